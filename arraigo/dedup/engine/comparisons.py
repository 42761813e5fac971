"""Comparison levels of each field for pairs of records, computed on whole arrays of pairs.

Every comparison has an ordered list of levels; level 0 means one of the records lacks the
field (it weighs nothing), level 1 is the closest agreement and the last level disagreement.
String similarity is computed by rapidfuzz (``cpdist``): once per distinct pair of values for
names and places, which repeat; for documents and phones only on the pairs that counting
characters has not already put in the last level. Exact agreement is found by comparing
integer codes.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from rapidfuzz.process import cpdist

from .normalise import Column, NameInfo, Table

# Fewer pairs than this are compared in the calling thread: starting rapidfuzz's threads costs
# more than it saves on the few candidates of a real-time check, and far more on a busy server.
PARALLEL_FROM = 10_000


def _workers(pairs: int) -> int:
    """rapidfuzz's ``workers`` for comparing *pairs* pairs of values: every core, or this one."""
    return -1 if pairs >= PARALLEL_FROM else 1


Pairs = npt.NDArray[np.int32]
Levels = npt.NDArray[np.int8]


@dataclass(frozen=True)
class ComparisonSpec:
    name: str
    levels: tuple[str, ...]
    descriptions: tuple[str, ...]
    # Level whose weight is adjusted by how common the shared value is (0: none).
    tf_level: int = 0


COMPARISONS: tuple[ComparisonSpec, ...] = (
    ComparisonSpec(
        "given_names",
        (
            "missing",
            "exact",
            "same_sound",
            "one_name_shared",
            "similar",
            "somewhat_similar",
            "different",
        ),
        (
            "A record has no given name",
            "Given names are the same",
            "Given names sound the same or are in another order",
            "One given name is shared (another is missing or differs)",
            "Given names are spelt similarly",
            "Given names are somewhat similar",
            "Given names differ",
        ),
        tf_level=1,
    ),
    ComparisonSpec(
        "surnames",
        (
            "missing",
            "exact",
            "same_sound_or_swapped",
            "one_dropped",
            "one_shared",
            "similar",
            "somewhat_similar",
            "different",
        ),
        (
            "A record has no surname",
            "Surnames are the same",
            "Surnames sound the same or are in the other order",
            "One record has only one of the other's surnames",
            "One of the two surnames is shared",
            "Surnames are spelt similarly",
            "Surnames are somewhat similar",
            "Surnames differ",
        ),
        tf_level=1,
    ),
    ComparisonSpec(
        "birth_date",
        ("missing", "exact", "one_typo", "within_a_year", "within_five_years", "different"),
        (
            "A record has no birth date",
            "Birth dates are the same",
            "Birth dates differ by one digit or have day and month swapped",
            "Birth dates are less than a year apart",
            "Birth dates are less than five years apart",
            "Birth dates differ",
        ),
    ),
    ComparisonSpec(
        "sex",
        ("missing", "same", "different"),
        ("A record has no sex", "Same sex", "Different sex"),
    ),
    ComparisonSpec(
        "document_number",
        ("missing", "exact", "one_typo", "two_typos", "conflict"),
        (
            "A record has no document number",
            "Document numbers are the same",
            "Document numbers differ by one character",
            "Document numbers differ by two characters",
            "Document numbers conflict",
        ),
    ),
    ComparisonSpec(
        "phone",
        ("missing", "exact", "similar", "different"),
        (
            "A record has no phone",
            "Phone numbers are the same",
            "Phone numbers differ by one digit",
            "Phone numbers differ",
        ),
    ),
    ComparisonSpec(
        "address",
        ("missing", "exact", "similar", "somewhat_similar", "different"),
        (
            "A record has no address",
            "Addresses are the same",
            "Addresses are similar",
            "Addresses are somewhat similar",
            "Addresses differ",
        ),
    ),
    ComparisonSpec(
        "municipality",
        ("missing", "exact", "similar", "different"),
        (
            "A record has no municipality",
            "Same municipality",
            "Municipality names are spelt similarly",
            "Municipalities differ",
        ),
        tf_level=1,
    ),
    ComparisonSpec(
        "postcode",
        ("missing", "exact", "one_typo", "different"),
        (
            "A record has no postcode",
            "Same postcode",
            "Postcodes differ by one character",
            "Postcodes differ",
        ),
        tf_level=1,
    ),
)

COMPARISON_NAMES = tuple(spec.name for spec in COMPARISONS)
SPECS = {spec.name: spec for spec in COMPARISONS}


def _distinct_pairs(
    left: npt.NDArray[np.int32], right: npt.NDArray[np.int32]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Distinct (left, right) code pairs, order-insensitive, and where each pair maps to."""
    low = np.minimum(left, right).astype(np.int64)
    high = np.maximum(left, right).astype(np.int64)
    combined = (low << 32) | high
    order = np.argsort(combined)
    ordered = combined[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    distinct = ordered[first]
    inverse = np.empty(len(ordered), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return distinct >> 32, distinct & 0xFFFFFFFF, inverse


def _similarity(
    column: Column,
    left: npt.NDArray[np.int32],
    right: npt.NDArray[np.int32],
    scorer: Callable[..., float],
    *,
    dtype: type = np.float32,
    cutoff: float | None = None,
    distinct: bool = True,
) -> npt.NDArray[np.floating]:
    """``scorer`` of each pair's values, computed once per distinct pair of values.

    Past *cutoff* a score is only known to be past it, which is faster to find. Without
    *distinct* every pair is scored: cheaper for fields whose pairs of values rarely repeat
    (documents, phones, addresses), where finding the distinct ones costs more than it saves.
    """
    if len(left) == 0:
        return np.zeros(0, dtype=dtype)
    values = column.array()
    if not distinct:
        return np.asarray(
            cpdist(
                values[left],
                values[right],
                scorer=scorer,
                workers=_workers(len(left)),
                dtype=dtype,
                score_cutoff=cutoff,
            )
        )
    low, high, inverse = _distinct_pairs(left, right)
    scores = cpdist(
        values[low],
        values[high],
        scorer=scorer,
        workers=_workers(len(low)),
        dtype=dtype,
        score_cutoff=cutoff,
    )
    return np.asarray(scores)[inverse]


def _levels_by_similarity(
    levels: Levels,
    undecided: npt.NDArray[np.bool_],
    column: Column,
    ca: npt.NDArray[np.int32],
    cb: npt.NDArray[np.int32],
    scorer: Callable[..., float],
    thresholds: tuple[tuple[float, int], ...],
    *,
    larger_is_closer: bool = True,
    distinct: bool = True,
) -> None:
    """Set the level of undecided pairs from a similarity (or distance) and thresholds."""
    where = np.flatnonzero(undecided)
    if len(where) == 0:
        return
    limits = [threshold for threshold, _ in thresholds]
    cutoff = min(limits) if larger_is_closer else max(limits)
    scores = _similarity(column, ca[where], cb[where], scorer, cutoff=cutoff, distinct=distinct)
    assigned = np.zeros(len(where), dtype=bool)
    for threshold, level in thresholds:
        hit = (scores >= threshold) if larger_is_closer else (scores <= threshold)
        hit &= ~assigned
        levels[where[hit]] = level
        assigned |= hit


# Characters counted separately in :func:`_character_counts`; any other counts as one kind.
_COUNTED = np.full(128, 10, dtype=np.int8)
_COUNTED[ord("0") : ord("9") + 1] = np.arange(10, dtype=np.int8)


def _character_counts(values: list[str]) -> npt.NDArray[np.int8]:
    """How many times each digit (and any other character, together) occurs in each value."""
    lengths = np.fromiter((len(value) for value in values), dtype=np.int64, count=len(values))
    characters = np.frombuffer("".join(values).encode("utf-32-le"), dtype=np.uint32)
    kinds = np.where(characters < 128, _COUNTED[np.minimum(characters, 127)], 10)
    owner = np.repeat(np.arange(len(values), dtype=np.int64), lengths)
    counts = np.bincount(owner * 11 + kinds, minlength=len(values) * 11)
    return np.minimum(counts, 127).astype(np.int8).reshape(len(values), 11)


def _surely_farther(
    column: Column, ca: npt.NDArray[np.int32], cb: npt.NDArray[np.int32], distance: int
) -> npt.NDArray[np.bool_]:
    """Pairs whose values are certainly more than *distance* edits apart.

    An edit changes the counts of characters by at most two (a substitution), so values whose
    counts differ by more than twice *distance* need more edits. Most pairs of different
    documents or phones are found here, without computing their edit distance.
    """
    counts = column.derived("character_counts", _character_counts)
    difference = np.abs(counts[ca].astype(np.int16) - counts[cb]).sum(axis=1)
    return difference > 2 * distance


def _name_shared(
    info: NameInfo, ca: npt.NDArray[np.int32], cb: npt.NDArray[np.int32]
) -> npt.NDArray[np.bool_]:
    """Whether the two names have a word that sounds the same."""
    ta = info.tokens[ca]
    tb = info.tokens[cb]
    shared = np.zeros(len(ca), dtype=bool)
    for i in range(3):
        for j in range(3):
            shared |= (ta[:, i] == tb[:, j]) & (ta[:, i] != 0)
    return shared


def given_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    info, _ = table.names()
    ca, cb = table.given.codes[a], table.given.codes[b]
    levels = np.full(len(a), 6, dtype=np.int8)
    missing = (ca == 0) | (cb == 0)
    exact = (ca == cb) & ~missing
    sound = (
        (info.whole[ca] == info.whole[cb]) | (info.unordered[ca] == info.unordered[cb])
    ) & ~missing
    shared = _name_shared(info, ca, cb) & ~missing
    levels[shared] = 3
    undecided = ~(missing | exact | sound | shared)
    _levels_by_similarity(
        levels,
        undecided,
        table.given,
        ca,
        cb,
        JaroWinkler.normalized_similarity,
        ((0.92, 4), (0.80, 5)),
    )
    levels[sound] = 2
    levels[exact] = 1
    levels[missing] = 0
    return levels


def surname_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    _, info = table.names()
    ca, cb = table.surname.codes[a], table.surname.codes[b]
    levels = np.full(len(a), 7, dtype=np.int8)
    missing = (ca == 0) | (cb == 0)
    exact = (ca == cb) & ~missing
    sound = (
        (info.whole[ca] == info.whole[cb]) | (info.unordered[ca] == info.unordered[cb])
    ) & ~missing
    shared = _name_shared(info, ca, cb) & ~missing
    count_a, count_b = info.count[ca], info.count[cb]
    dropped = shared & (count_a != count_b) & ((count_a == 1) | (count_b == 1))
    levels[shared] = 4
    levels[dropped] = 3
    undecided = ~(missing | exact | sound | shared)
    # Similarity of the surnames sorted, so that the order they were written in does not count.
    _levels_by_similarity(
        levels,
        undecided,
        Column(info.unordered, info.unordered_values),
        info.unordered[ca],
        info.unordered[cb],
        JaroWinkler.normalized_similarity,
        ((0.92, 5), (0.80, 6)),
    )
    levels[sound] = 2
    levels[exact] = 1
    levels[missing] = 0
    return levels


def swapped_names(table: Table, a: Pairs, b: Pairs) -> npt.NDArray[np.bool_]:
    """Pairs whose given names and surnames were written in each other's place."""
    given, surname = table.names()
    ga, gb = table.given.codes[a], table.given.codes[b]
    sa, sb = table.surname.codes[a], table.surname.codes[b]
    present = (ga != 0) & (gb != 0) & (sa != 0) & (sb != 0)
    return (
        present
        & (given.whole[ga] == surname.whole[sb])
        & (surname.whole[sa] == given.whole[gb])
        & (given.whole[ga] != given.whole[gb])
    )


def birth_date_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    da = table.birth_date[a].astype(np.int64)
    db = table.birth_date[b].astype(np.int64)
    levels = np.full(len(a), 5, dtype=np.int8)
    missing = (da == 0) | (db == 0)
    ya, ma, dda = da // 10000, da // 100 % 100, da % 100
    yb, mb, ddb = db // 10000, db // 100 % 100, db % 100
    days = np.abs((ya * 372 + (ma - 1) * 31 + dda) - (yb * 372 + (mb - 1) * 31 + ddb))
    levels[days <= 5 * 372] = 4
    levels[days <= 372] = 3
    differing = np.zeros(len(a), dtype=np.int8)
    for power in range(8):
        differing += ((da // 10**power) % 10 != (db // 10**power) % 10).astype(np.int8)
    swapped = (ya == yb) & (ma == ddb) & (dda == mb)
    levels[(differing == 1) | swapped] = 2
    levels[da == db] = 1
    levels[missing] = 0
    return levels


def sex_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    sa, sb = table.sex[a], table.sex[b]
    levels = np.where(sa == sb, 1, 2).astype(np.int8)
    levels[(sa == 0) | (sb == 0)] = 0
    return levels


def _edit_levels(
    column: Column, a: Pairs, b: Pairs, steps: tuple[tuple[float, int], ...], last: int
) -> Levels:
    ca, cb = column.codes[a], column.codes[b]
    levels = np.full(len(a), last, dtype=np.int8)
    missing = (ca == 0) | (cb == 0)
    exact = (ca == cb) & ~missing
    undecided = ~(missing | exact)
    farthest = int(max(distance for distance, _ in steps))
    undecided[undecided] = ~_surely_farther(column, ca[undecided], cb[undecided], farthest)
    _levels_by_similarity(
        levels,
        undecided,
        column,
        ca,
        cb,
        DamerauLevenshtein.distance,
        steps,
        larger_is_closer=False,
        distinct=False,
    )
    levels[exact] = 1
    levels[missing] = 0
    return levels


def document_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    return _edit_levels(table.document, a, b, ((1, 2), (2, 3)), 4)


def phone_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    return _edit_levels(table.phone, a, b, ((1, 2),), 3)


def postcode_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    return _edit_levels(table.postcode, a, b, ((1, 2),), 3)


def _words_sorted(values: list[str]) -> npt.NDArray[np.object_]:
    return np.asarray([" ".join(sorted(value.split())) for value in values], dtype=object)


def address_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    ca, cb = table.address.codes[a], table.address.codes[b]
    levels = np.full(len(a), 4, dtype=np.int8)
    missing = (ca == 0) | (cb == 0)
    exact = (ca == cb) & ~missing
    where = np.flatnonzero(~(missing | exact))
    if len(where):
        # Words sorted, so that parts of an address written in another order still agree.
        words = table.address.derived("words_sorted", _words_sorted)
        scores = np.asarray(
            cpdist(
                words[ca[where]],
                words[cb[where]],
                scorer=fuzz.ratio,
                workers=_workers(len(where)),
                dtype=np.float32,
                score_cutoff=70.0,
            )
        )
        levels[where[scores >= 70.0]] = 3
        levels[where[scores >= 88.0]] = 2
    levels[exact] = 1
    levels[missing] = 0
    return levels


def municipality_levels(table: Table, a: Pairs, b: Pairs) -> Levels:
    ca, cb = table.municipality.codes[a], table.municipality.codes[b]
    levels = np.full(len(a), 3, dtype=np.int8)
    missing = (ca == 0) | (cb == 0)
    exact = (ca == cb) & ~missing
    _levels_by_similarity(
        levels,
        ~(missing | exact),
        table.municipality,
        ca,
        cb,
        JaroWinkler.normalized_similarity,
        ((0.9, 2),),
    )
    levels[exact] = 1
    levels[missing] = 0
    return levels


LEVEL_FUNCTIONS: dict[str, Callable[[Table, Pairs, Pairs], Levels]] = {
    "given_names": given_levels,
    "surnames": surname_levels,
    "birth_date": birth_date_levels,
    "sex": sex_levels,
    "document_number": document_levels,
    "phone": phone_levels,
    "address": address_levels,
    "municipality": municipality_levels,
    "postcode": postcode_levels,
}

# The column whose value's frequency adjusts the weight of a comparison's exact level.
TF_COLUMNS: dict[str, str] = {
    "given_names": "given",
    "surnames": "surname",
    "municipality": "municipality",
    "postcode": "postcode",
}


def present_comparisons(table: Table) -> tuple[str, ...]:
    """The comparisons for which at least two records have a value."""
    present = []
    for name in COMPARISON_NAMES:
        if name == "birth_date":
            filled = int(np.count_nonzero(table.birth_date))
        elif name == "sex":
            filled = int(np.count_nonzero(table.sex))
        else:
            filled = int(np.count_nonzero(_column(table, name).codes))
        if filled >= 2:
            present.append(name)
    return tuple(present)


def _column(table: Table, comparison: str) -> Column:
    return {
        "given_names": table.given,
        "surnames": table.surname,
        "document_number": table.document,
        "phone": table.phone,
        "address": table.address,
        "municipality": table.municipality,
        "postcode": table.postcode,
    }[comparison]


def compare(table: Table, a: Pairs, b: Pairs, names: tuple[str, ...] = COMPARISON_NAMES) -> Levels:
    """A (pairs × comparisons) matrix of levels, one column per name in *names*."""
    matrix = np.zeros((len(a), len(names)), dtype=np.int8)
    for index, name in enumerate(names):
        matrix[:, index] = LEVEL_FUNCTIONS[name](table, a, b)
    if "given_names" in names and "surnames" in names:
        # Given names and surnames written in each other's place: as good as the same names.
        swapped = swapped_names(table, a, b)
        g, s = names.index("given_names"), names.index("surnames")
        matrix[swapped & (matrix[:, g] > 2), g] = 2
        matrix[swapped & (matrix[:, s] > 2), s] = 2
    return matrix
