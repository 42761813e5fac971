"""Learning a model from unlabelled records.

* ``u`` (how often two different people agree at each level) is counted on random pairs of
  records: almost all random pairs are different people.
* ``m`` (how often the same person's records agree) is learned by expectation–maximisation on
  the candidate pairs that blocking finds, where duplicates are frequent enough to be seen. In
  EM the non-matches among candidate pairs get their own level frequencies (they agree more
  often than random pairs: blocking chose them for sharing something), so they are not taken
  for matches.
* The prior (the chance that two random records are the same person) is the number of matches
  EM expects among the candidate pairs over the number of all pairs.
* Term frequencies are counted on the records; the decision threshold is the one that
  maximises the F1 score the model itself expects on the candidate pairs.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .comparisons import SPECS, TF_COLUMNS, compare, present_comparisons
from .model import _DEFAULT_M, Model, TermFrequencies
from .normalise import Table

# Smoothing of level counts, so that a level never seen still has a small probability.
_PSEUDO_COUNT = 0.5
TF_MAX_VALUES = 5000


@dataclass(frozen=True)
class TrainingSettings:
    """How much to sample while learning, and where the final ``u`` comes from.

    ``mode``: ``"random"`` (the default: ``m`` by EM with the candidates' own non-match
    frequencies, ``u`` and the prior over all pairs), ``"fixed_u"`` (EM with ``u`` fixed to the
    random pairs', as Splink does: fine on FEBRL, fooled by common Spanish names) or
    ``"candidates"`` (``u`` and the prior of the candidate pairs themselves).
    """

    random_pairs: int = 1_000_000
    em_pairs: int = 1_000_000
    em_iterations: int = 60
    em_tolerance: float = 1e-5
    tf_max_values: int = TF_MAX_VALUES
    mode: str = "random"


def _random_pairs(
    n: int, count: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    total = n * (n - 1) // 2
    if total <= count:
        a, b = np.triu_indices(n, 1)
        return a.astype(np.int32), b.astype(np.int32)
    a = rng.integers(0, n, size=count, dtype=np.int64)
    b = rng.integers(0, n - 1, size=count, dtype=np.int64)
    b = np.where(b >= a, b + 1, b)
    return a.astype(np.int32), b.astype(np.int32)


def _level_frequencies(
    levels: npt.NDArray[np.int8],
    names: tuple[str, ...],
    weights: npt.NDArray[np.float64] | None = None,
    pseudo: float = _PSEUDO_COUNT,
) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for index, name in enumerate(names):
        size = len(SPECS[name].levels)
        counts = np.bincount(levels[:, index], weights=weights, minlength=size)[1:size]
        counts = counts.astype(np.float64) + pseudo
        found[name] = (counts / counts.sum()).tolist()
    return found


def _patterns(levels: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
    """Distinct rows of *levels* and how many times each occurs."""
    codes = np.zeros(len(levels), dtype=np.int64)
    for column in range(levels.shape[1]):
        codes = codes * 8 + levels[:, column]
    _, first, counts = np.unique(codes, return_index=True, return_counts=True)
    return levels[first], counts.astype(np.float64)


def expectation_maximisation(
    levels: npt.NDArray[np.int8],
    names: tuple[str, ...],
    *,
    settings: TrainingSettings,
    fixed_u: dict[str, list[float]] | None = None,
) -> tuple[dict[str, list[float]], dict[str, list[float]], float]:
    """m and u among the candidate pairs, and the share of matches among them."""
    patterns, counts = _patterns(levels)
    m = {name: _normalised_default(name) for name in names}
    # Start from pairs that are surely the same person (same document, or same names and
    # birth date): their share, and the level frequencies of the others as the non-matches'.
    sure = _surely_same(patterns, names)
    sure_count = float(counts[sure].sum())
    share = min(max(sure_count / counts.sum(), 1e-4), 0.9)
    u = (
        fixed_u
        if fixed_u is not None
        else _level_frequencies(patterns, names, np.where(sure, 0.0, counts))
    )
    for _ in range(settings.em_iterations):
        log_ratio = np.full(len(patterns), math.log(share / (1 - share)))
        for index, name in enumerate(names):
            ratio = np.r_[0.0, np.log(np.asarray(m[name]) / np.asarray(u[name]))]
            log_ratio += ratio[patterns[:, index]]
        posterior = 1.0 / (1.0 + np.exp(-np.clip(log_ratio, -700, 700)))
        matched = posterior * counts
        new_share = float(matched.sum() / counts.sum())
        new_m = _level_frequencies(patterns, names, matched, pseudo=1e-3)
        new_u = (
            fixed_u
            if fixed_u is not None
            else _level_frequencies(patterns, names, counts - matched, pseudo=1e-3)
        )
        change = max(
            abs(new_share - share),
            *(max(abs(x - y) for x, y in zip(new_m[k], m[k], strict=True)) for k in names),
        )
        m, u, share = new_m, new_u, min(max(new_share, 1e-9), 1 - 1e-9)
        if change < settings.em_tolerance:
            break
    return m, u, share


def _surely_same(patterns: npt.NDArray[np.int8], names: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    sure = np.zeros(len(patterns), dtype=bool)
    if "document_number" in names:
        sure |= patterns[:, names.index("document_number")] == 1
    if {"given_names", "surnames", "birth_date"} <= set(names):
        given = patterns[:, names.index("given_names")]
        surnames = patterns[:, names.index("surnames")]
        birth = patterns[:, names.index("birth_date")]
        sure |= (given >= 1) & (given <= 2) & (surnames >= 1) & (surnames <= 2) & (birth == 1)
    return sure


def _normalised_default(name: str) -> list[float]:
    values = _DEFAULT_M[name]
    total = sum(values)
    return [value / total for value in values]


def term_frequencies(
    table: Table, *, max_values: int = TF_MAX_VALUES
) -> dict[str, TermFrequencies]:
    """Frequencies of the common values of the fields whose exact agreement is adjusted."""
    found = {}
    for name, column_name in TF_COLUMNS.items():
        column = getattr(table, column_name)
        counts = np.bincount(column.codes, minlength=len(column.values))
        counts[0] = 0
        present = int(counts.sum())
        if present < 2:
            continue
        # Values seen at least twice: a value seen once identifies no one in particular, and
        # is treated like any rare value.
        common = np.flatnonzero(counts >= 2)
        common = common[np.argsort(-counts[common], kind="stable")][:max_values]
        found[name] = TermFrequencies(
            values={column.values[i]: float(counts[i]) / present for i in common},
            floor=1.0 / present,
        )
    return found


def expected_f1_threshold(probabilities: npt.NDArray[np.float64]) -> float:
    """The threshold that maximises the F1 score expected from the probabilities themselves."""
    if len(probabilities) == 0:
        return 0.5
    ordered = np.sort(probabilities)[::-1]
    expected_matches = ordered.sum()
    true_positives = np.cumsum(ordered)
    predicted = np.arange(1, len(ordered) + 1)
    f1 = 2 * true_positives / (predicted + expected_matches)
    best = int(np.argmax(f1))
    return float(min(max(ordered[best], 0.05), 0.95))


def fit(
    table: Table,
    pairs: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]],
    *,
    seed: int = 0,
    settings: TrainingSettings | None = None,
) -> Model:
    """A model learned from *table* and its candidate *pairs*."""
    settings = settings or TrainingSettings()
    rng = np.random.default_rng(seed)
    names = present_comparisons(table)
    n = len(table)
    if n < 50 or len(pairs[0]) < 20 or not names:
        model = Model.default()
        model.term_frequencies = term_frequencies(table, max_values=settings.tf_max_values)
        return model

    ra, rb = _random_pairs(n, settings.random_pairs, rng)
    random_levels = compare(table, ra, rb, names)
    u_random = _level_frequencies(random_levels, names)
    del random_levels, ra, rb

    a, b = pairs
    if len(a) > settings.em_pairs:
        chosen = np.sort(rng.choice(len(a), size=settings.em_pairs, replace=False))
        a, b = a[chosen], b[chosen]
    levels = compare(table, a, b, names)
    m, u_candidates, share = expectation_maximisation(
        levels, names, settings=settings, fixed_u=u_random if settings.mode == "fixed_u" else None
    )

    if settings.mode == "candidates":
        u, prior = u_candidates, share
    else:
        u = u_random
        expected_matches = share * len(pairs[0])
        prior = expected_matches / (n * (n - 1) / 2)
    model = Model(
        m=m,
        u=u,
        prior=min(max(prior, 1e-12), 0.5),
        term_frequencies=term_frequencies(table, max_values=settings.tf_max_values),
        trained_on={"records": n, "candidate_pairs": len(pairs[0]), "seed": seed},
    )
    weights = model.field_weights(table, a, levels)
    model.threshold = expected_f1_threshold(model.probabilities(weights))
    return model
