"""Batch deduplication and real-time scoring of one record against candidates."""

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .blocking import candidate_pairs
from .comparisons import compare
from .model import Model
from .normalise import Columnar, Table, TableBuilder, table_from
from .records import PersonRecord, ScoredPair
from .training import TrainingSettings, fit

# Pairs scored at once: bounds the memory of the level and weight matrices (about 40 bytes
# a pair) whatever the size of the registry.
CHUNK_PAIRS = 1_000_000
# Threads scoring chunks of a large input at once: one a core, up to four (past that the
# threads wait on each other for the GIL).
SCORING_THREADS = min(4, os.cpu_count() or 1)
# Pairs at least this probable join their records into a group whose other pairs are then
# compared (see TableScoring). Lower than any decision threshold: a registration's link to the
# group may itself be uncertain; the comparison, not the link, decides.
GROUP_LINK = 0.05
MAX_GROUP = 10

Progress = Callable[[float], None]


@dataclass
class PairArrays:
    """Pairs found in one chunk, as row numbers of the table and probabilities."""

    a: npt.NDArray[np.int32]
    b: npt.NDArray[np.int32]
    probability: npt.NDArray[np.float64]
    levels: npt.NDArray[np.int8]
    weights: npt.NDArray[np.float32]


def train(
    records: Iterable[PersonRecord] | Columnar | Table,
    *,
    seed: int = 0,
    settings: TrainingSettings | None = None,
) -> Model:
    """A model learned from *records* without labels (see :mod:`.training`)."""
    table = table_from(records)
    return fit(table, candidate_pairs(table), seed=seed, settings=settings)


def _scored_chunk(
    model: Model,
    table: Table,
    a: npt.NDArray[np.int32],
    b: npt.NDArray[np.int32],
    cut: float,
) -> PairArrays:
    levels = compare(table, a, b, model.comparisons)
    weights = model.field_weights(table, a, levels)
    return _at_or_above(PairArrays(a, b, model.probabilities(weights), levels, weights), cut)


def score_table(
    model: Model,
    table: Table,
    *,
    threshold: float | None = None,
    progress: Progress | None = None,
    pairs: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]] | None = None,
) -> "TableScoring":
    """The pairs of *table* at or above *threshold*, in chunks of arrays (see
    :class:`TableScoring`): the candidate pairs (*pairs*, or those of blocking), then the pairs
    that complete the groups they form."""
    if pairs is None:
        pairs = candidate_pairs(table)
    cut = model.threshold if threshold is None else threshold
    return TableScoring(model, table, pairs, cut, progress)


class TableScoring:
    """Scoring of a table's pairs, iterated as chunks of the pairs at or above a cut.

    Chunks after the first are scored on all cores, each in a thread: the string comparisons
    and most array operations release the GIL. The first chunk is scored alone, so that the
    per-value caches it fills (phonetic names, sorted address words) are made once; an input
    of one chunk (a real-time check) never starts a thread.

    Once the candidate pairs are scored, the records of pairs at or above :data:`GROUP_LINK`
    form groups, and the pairs of a group that were not candidates are scored too: someone
    registered three times is found as one group when each later registration resembles the
    first, even if the two later ones, each with its own mistakes, share no blocking key.
    Groups larger than :data:`MAX_GROUP` are chains of look-alikes, not one person: left alone.
    """

    def __init__(
        self,
        model: Model,
        table: Table,
        pairs: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]],
        cut: float,
        progress: Progress | None,
    ) -> None:
        self.model, self.table, self.pairs, self.cut = model, table, pairs, cut
        self.progress = progress
        empty = np.zeros(0, dtype=np.int32)
        # The pairs compared because they complete a group; known once iterated.
        self.completing: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]] = (empty, empty)

    @property
    def pairs_compared(self) -> int:
        return len(self.pairs[0]) + len(self.completing[0])

    def __iter__(self) -> Iterator[PairArrays]:
        links: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]] = []
        link_cut = min(self.cut, GROUP_LINK)
        a_all, b_all = self.pairs
        total = len(a_all)
        for done, chunk in self._chunks(a_all, b_all, link_cut):
            linked = chunk.probability >= GROUP_LINK
            links.append((chunk.a[linked], chunk.b[linked]))
            found = _at_or_above(chunk, self.cut)
            if len(found.a):
                yield found
            self._report(min(1.0, done / total))
        if total == 0:
            self._report(1.0)
        self.completing = pairs_completing_groups(len(self.table), links, self.pairs)
        for _, chunk in self._chunks(*self.completing, self.cut):
            if len(chunk.a):
                yield chunk

    def _chunks(
        self, a_all: npt.NDArray[np.int32], b_all: npt.NDArray[np.int32], cut: float
    ) -> Iterator[tuple[int, PairArrays]]:
        """Each chunk of pairs at or above *cut*, with the number of pairs scored so far."""
        total = len(a_all)
        starts = range(0, total, CHUNK_PAIRS)

        def scored(start: int) -> PairArrays:
            end = start + CHUNK_PAIRS
            return _scored_chunk(self.model, self.table, a_all[start:end], b_all[start:end], cut)

        if total:
            yield min(total, CHUNK_PAIRS), scored(0)
        if total > CHUNK_PAIRS:
            with ThreadPoolExecutor(max_workers=SCORING_THREADS) as pool:
                for start, chunk in zip(starts[1:], pool.map(scored, starts[1:]), strict=True):
                    yield min(total, start + CHUNK_PAIRS), chunk

    def _report(self, done: float) -> None:
        if self.progress is not None:
            self.progress(done)


def _at_or_above(chunk: PairArrays, cut: float) -> PairArrays:
    keep = chunk.probability >= cut
    if keep.all():
        return chunk
    return PairArrays(
        chunk.a[keep], chunk.b[keep], chunk.probability[keep], chunk.levels[keep],
        chunk.weights[keep],
    )  # fmt: skip


def pairs_completing_groups(
    records: int,
    links: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]],
    compared: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """The pairs, not among *compared*, of the groups of 3 to :data:`MAX_GROUP` records that
    the *links* (pairs of row numbers) join, as (a, b) with a < b."""
    groups = [group for group in _groups(links) if 2 < len(group) <= MAX_GROUP]
    empty = np.zeros(0, dtype=np.int32)
    if not groups:
        return empty, empty
    pairs = np.concatenate([_all_pairs(group) for group in groups])
    in_group = np.zeros(records, dtype=bool)
    in_group[np.concatenate(groups)] = True
    a, b = compared
    both = in_group[a] & in_group[b]
    seen = (a[both].astype(np.int64) << 32) | b[both]
    pairs = pairs[~np.isin(pairs, seen)]
    return (pairs >> 32).astype(np.int32), (pairs & 0xFFFFFFFF).astype(np.int32)


def _groups(
    links: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]],
) -> list[npt.NDArray[np.int64]]:
    """The records joined by the links, group by group (union–find with path halving)."""
    if not links:
        return []
    a = np.concatenate([pair[0] for pair in links])
    b = np.concatenate([pair[1] for pair in links])
    rows, compact = np.unique(np.concatenate([a, b]), return_inverse=True)
    parent = list(range(len(rows)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for x, y in zip(compact[: len(a)].tolist(), compact[len(a) :].tolist(), strict=True):
        rx, ry = root(x), root(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    roots = np.asarray([root(node) for node in range(len(rows))], dtype=np.int64)
    order = np.argsort(roots, kind="stable")
    bounds = np.flatnonzero(np.diff(roots[order])) + 1
    return [rows[members].astype(np.int64) for members in np.split(order, bounds)]


def _all_pairs(group: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    members = np.sort(group)
    left, right = np.triu_indices(len(members), 1)
    return (members[left] << 32) | members[right]


def deduplicate(
    records: Iterable[PersonRecord] | Columnar | Table,
    *,
    model: Model | None = None,
    threshold: float | None = None,
    progress: Progress | None = None,
    seed: int = 0,
) -> Iterator[ScoredPair]:
    """Every pair of *records* that is probably one person, with the reasons.

    Without a *model* one is learned from the records themselves. *threshold* defaults to the
    model's. *progress* is called with the share of the work done, from 0 to 1.
    """
    table = table_from(records)
    if progress is not None:
        progress(0.0)
    pairs = candidate_pairs(table)
    if model is None:
        model = fit(table, pairs, seed=seed)
    if progress is not None:
        progress(0.1)

    def scaled(done: float) -> None:
        if progress is not None:
            progress(0.1 + 0.9 * done)

    ids = table.ids
    for chunk in score_table(model, table, threshold=threshold, progress=scaled, pairs=pairs):
        for index in range(len(chunk.a)):
            yield ScoredPair(
                id_a=ids[chunk.a[index]],
                id_b=ids[chunk.b[index]],
                probability=float(chunk.probability[index]),
                comparisons=model.explain(chunk.levels[index], chunk.weights[index]),
            )


def _one_against(
    model: Model, record: PersonRecord, candidates: Iterable[PersonRecord]
) -> tuple[
    Table,
    npt.NDArray[np.int32],
    npt.NDArray[np.int8],
    npt.NDArray[np.float32],
    npt.NDArray[np.float64],
]:
    builder = TableBuilder()
    builder.add_record(record)
    for candidate in candidates:
        if candidate.id != record.id:
            builder.add_record(candidate)
    table = builder.build()
    others = np.arange(1, len(table), dtype=np.int32)
    first = np.zeros(len(others), dtype=np.int32)
    levels = compare(table, first, others, model.comparisons)
    weights = model.field_weights(table, first, levels)
    return table, others, levels, weights, model.probabilities(weights)


def score(model: Model, a: PersonRecord, b: PersonRecord) -> ScoredPair:
    """The probability that *a* and *b* are the same person, with each field's reason."""
    table = table_from([a, b])
    first = np.zeros(1, dtype=np.int32)
    second = np.ones(1, dtype=np.int32)
    levels = compare(table, first, second, model.comparisons)
    weights = model.field_weights(table, first, levels)
    probability = float(model.probabilities(weights)[0])
    return ScoredPair(a.id, b.id, probability, model.explain(levels[0], weights[0]))


def match_one(
    model: Model,
    record: PersonRecord,
    candidates: Iterable[PersonRecord],
    *,
    threshold: float | None = None,
    limit: int = 10,
) -> list[ScoredPair]:
    """The candidates most probably the same person as *record*, best first.

    Only candidates at or above *threshold* (the model's by default) are returned, at most
    *limit*. A candidate with the record's own id is skipped.
    """
    table, others, levels, weights, probability = _one_against(model, record, candidates)
    cut = model.threshold if threshold is None else threshold
    order = np.argsort(-probability, kind="stable")
    found = []
    for index in order[:limit]:
        if probability[index] < cut:
            break
        found.append(
            ScoredPair(
                id_a=record.id,
                id_b=table.ids[others[index]],
                probability=float(probability[index]),
                comparisons=model.explain(levels[index], weights[index]),
            )
        )
    return found
