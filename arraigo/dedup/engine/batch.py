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
    probability = model.probabilities(weights)
    keep = probability >= cut
    return PairArrays(a[keep], b[keep], probability[keep], levels[keep], weights[keep])


def score_table(
    model: Model,
    table: Table,
    *,
    threshold: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    pairs: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]] | None = None,
) -> Iterator[PairArrays]:
    """Chunks of the candidate pairs of *table* at or above *threshold*, as arrays.

    Chunks after the first are scored on all cores, each in a thread: the string comparisons
    and most array operations release the GIL. The first chunk is scored alone, so that the
    per-value caches it fills (phonetic names, sorted address words) are made once; an input
    of one chunk (a real-time check) never starts a thread.
    """
    if pairs is None:
        pairs = candidate_pairs(table)
    cut = model.threshold if threshold is None else threshold
    a_all, b_all = pairs
    total = len(a_all)
    starts = range(0, total, CHUNK_PAIRS)

    def scored(start: int) -> PairArrays:
        end = start + CHUNK_PAIRS
        return _scored_chunk(model, table, a_all[start:end], b_all[start:end], cut)

    def chunks() -> Iterator[PairArrays]:
        if total:
            yield scored(0)
        if total > CHUNK_PAIRS:
            with ThreadPoolExecutor(max_workers=SCORING_THREADS) as pool:
                yield from pool.map(scored, starts[1:])

    for start, chunk in zip(starts, chunks(), strict=True):
        if len(chunk.a):
            yield chunk
        if progress is not None:
            progress(min(1.0, (start + CHUNK_PAIRS) / total))
    if progress is not None and total == 0:
        progress(1.0)


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
