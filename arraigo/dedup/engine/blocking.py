"""Blocking: the few records worth comparing with each record, found through shared keys.

Two records become a candidate pair when they share at least one key. The keys are chosen so
that the mistakes of a registration desk do not lose the pair: each key uses two or three
fields, and every field is left out of some key.

======  ===================================================  ==================================
key     made of                                              finds the same person despite
======  ===================================================  ==================================
``d``   document number                                      any change of name, date or place
``p``   phone (last 8 digits of the national number)         any change of name, date or place
``dh``  half of the document number + surname's first letters  a wrong or swapped digit
``ny``  a given name and a surname + birth year and month    wrong day; names dropped
``nd``  a given name and a surname + day and month           wrong year; names dropped
``sw``  a given name and a surname + birth year, day and     day and month swapped
        month in either order (days 1 to 12 only)
``yt``  three letters of a given name and of a surname       wrong day or month
        + birth year + municipality
``td``  three letters of one name + full birth date          the other names wrong or swapped
``sy``  both surnames + birth year                           a misspelt or changed given name
``sd``  both surnames + day and month                        a misspelt given name, wrong year
``nm``  given name, surnames + postcode or municipality      no birth date
``pd``  postcode or municipality + full birth date           every name misspelt
``a``   house numbers and first words of the address         names and date wrong
``nn``  a given name and a surname                           (rare names only)
``pn``  postcode or municipality + a name                    (rare names only)
``np``  a given name and a surname + postcode or             no birth date on one side
        municipality, pairing only records without a date
``nq``  a given name and a surname + birth year, pairing     only the year known on one side
        only records born on 1 January
======  ===================================================  ==================================

The last two are *anchored*: a registration whose date is missing, or known only to the year
(written 1 January), cannot be found by the keys holding a date, so it is paired with every
record of a larger block; the other records of the block are not paired with each other.
They serve batch blocking only: the real-time check looks a registration up by its own keys.

Names are written as the first :data:`KEY_LENGTH` letters of their phonetic form, the same
keys people search by, so accents, case, b/v, s/z/c, silent h and abbreviations ("Ma.") do not
matter; the words of a key are in alphabetical order, so neither does the order of the surnames
nor a given name written as a surname.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from arraigo.people.names import KEY_LENGTH

from .normalise import Factoriser, Table, table_from
from .records import PersonRecord

Array = npt.NDArray[np.int32]

# Blocks larger than this are not paired in batch: a key shared by so many records (a common
# name on a placeholder birth date) finds no one in particular; the other keys of those
# records still pair them. Keys without a date or a number (names alone, a place and a name)
# are useful only while they are rare, so their blocks are cut smaller.
MAX_BLOCK = 50
MAX_LOOSE_BLOCK = 20
LOOSE_FAMILIES = frozenset({"nn", "pn"})
# A name and only part of a date (year and month, year, day and month) is shared by more people
# with common names: past 30 records such blocks found almost no one the other keys miss
# (0.016% of the true pairs of the generated registry, for a tenth of all pairs).
MAX_PART_DATE_BLOCK = 30
PART_DATE_FAMILIES = frozenset({"ny", "yt", "sy", "sd"})
# Anchored blocks (families whose key parts carry anchors) pair their anchors with every other
# record: they may be larger, their cost growing with the anchors (few), not with the square of
# the block.
MAX_ANCHORED_BLOCK = 5000
FAMILIES = (
    "d", "p", "dh", "ny", "nd", "sw", "yt", "td", "sy", "sd", "nm", "pd", "a", "nn", "pn",
    "np", "nq",
)  # fmt: skip

# What each component of a family's key is: a name word, two first letters, a place, a
# document, a phone, half of a number, an address, or a plain number (year, date).
_LAYOUT = {
    "d": ("doc",),
    "p": ("phone",),
    "dh": ("half", "initials"),
    "ny": ("word", "word", "number"),
    "nd": ("word", "word", "number"),
    "sw": ("word", "word", "number"),
    "td": ("short", "number"),
    "yt": ("short", "short", "number", "place"),
    "sy": ("word", "word", "number"),
    "sd": ("word", "word", "number"),
    "nm": ("word", "word", "word", "place"),
    "pd": ("place", "number"),
    "a": ("address",),
    "nn": ("word", "word"),
    "pn": ("place", "word"),
    "np": ("word", "word", "place"),
    "nq": ("word", "word", "number"),
}


@dataclass
class KeyPart:
    """One key family's keys for some records: ``rows[i]`` has the key ``components[:, i]``."""

    family: str
    rows: npt.NDArray[np.int64]
    components: list[Array]
    # For an anchored family: which of the rows are paired with every record of their block.
    anchors: npt.NDArray[np.bool_] | None = None


@dataclass
class _Parts:
    values: dict[str, list[str]]  # the text of each kind of component, by code
    parts: Iterator[KeyPart]  # computed as they are read: one family in memory at a time


def _sorted_codes(values: set[str]) -> Factoriser:
    """Codes given in alphabetical order, so that ordering codes orders the words as text and
    a key is written the same whichever table the record is in."""
    codes = Factoriser()
    for value in sorted(value for value in values if value):
        codes.code(value)
    return codes


def _coded(codes: Factoriser, values: list[str], make: object) -> Array:
    function = make if callable(make) else (lambda value: value)
    return np.asarray([codes.code(function(value)) for value in values], dtype=np.int32)


def _address_key(address: str) -> str:
    """The numbers of an address and its first two words: a house, whatever the spelling."""
    words = address.split()
    numbers = [word for word in words if word.isdigit()]
    if not numbers:  # most addresses without a number are a place name alone: no key
        return ""
    names = [word for word in words if len(word) > 2 and not word.isdigit()][:2]
    numbers.sort()
    return " ".join(numbers + names) if names else ""


def _halves(number: str) -> tuple[str, str]:
    return (f"0{number[:5]}", f"1{number[-5:]}") if len(number) >= 7 else ("", "")


def _key_parts(table: Table) -> _Parts:
    given_info, surname_info = table.names()
    words = _sorted_codes({word[:KEY_LENGTH] for word in table.phonetic_words})
    word_of = _coded(words, table.phonetic_words, lambda word: word[:KEY_LENGTH])
    given = word_of[given_info.tokens[table.given.codes][:, :2]]
    surname = word_of[surname_info.tokens[table.surname.codes][:, :2]]
    g0, g1 = given[:, 0], np.where(given[:, 1] != given[:, 0], given[:, 1], 0)
    s0, s1 = surname[:, 0], np.where(surname[:, 1] != surname[:, 0], surname[:, 1], 0)
    two_surnames = s1 != 0
    s_low = np.where(two_surnames, np.minimum(s0, s1), s0)
    s_high = np.where(two_surnames, np.maximum(s0, s1), 0)
    # Short forms (three letters) for keys that also hold a full date: tolerant of a typing
    # mistake after the third letter, and still rare thanks to the date.
    shorts = _sorted_codes({word[:3] for word in words.values})
    short_of_word = _coded(shorts, words.values, lambda word: word[:3])
    initials = _sorted_codes({word[:2] for word in words.values})
    initial_of_word = _coded(initials, words.values, lambda word: word[:2])
    initial = initial_of_word[s_low]

    phones = Factoriser()
    phone = _coded(phones, table.phone.values, lambda v: v[-8:] if len(v) >= 7 else "")[
        table.phone.codes
    ]
    documents_ok = np.asarray([len(value) >= 4 for value in table.document.values])
    document = np.where(documents_ok[table.document.codes], table.document.codes, 0)
    halves = Factoriser()
    document_halves = [
        _coded(halves, table.document.values, lambda v, i=i: _halves(v)[i])[table.document.codes]
        for i in (0, 1)
    ]

    places = Factoriser()
    postcode = _coded(places, table.postcode.values, lambda v: f"c{v}" if v else "")[
        table.postcode.codes
    ]
    town = _coded(places, table.municipality.values, lambda v: f"m{v}" if v else "")[
        table.municipality.codes
    ]
    addresses = Factoriser()
    address = _coded(addresses, table.address.values, _address_key)[table.address.codes]

    birth = table.birth_date
    year, month_day = birth // 10000, birth % 10000
    year_month = birth // 100

    dated = birth != 0
    # Day and month in either order, for the dates that could have been written swapped.
    month, day = month_day // 100, month_day % 100
    swappable = dated & (day <= 12) & (day != month)
    either_order = year * 10000 + np.minimum(month, day) * 100 + np.maximum(month, day)

    values = {
        "word": words.values,
        "initials": initials.values,
        "short": shorts.values,
        "phone": phones.values,
        "doc": table.document.values,
        "half": halves.values,
        "place": places.values,
        "address": addresses.values,
    }

    def part(
        family: str,
        mask: npt.NDArray[np.bool_],
        *components: Array,
        anchors: npt.NDArray[np.bool_] | None = None,
    ) -> Iterator[KeyPart]:
        for component in components:
            if component is not year:
                mask = mask & (component != 0)
        if anchors is not None and not anchors[mask].any():
            return
        rows = np.flatnonzero(mask)
        if len(rows):
            yield KeyPart(
                family,
                rows,
                [component[rows] for component in components],
                None if anchors is None else anchors[rows],
            )

    def generate() -> Iterator[KeyPart]:
        # One family after the other, so that a family's keys can be paired on their own.
        everyone = np.ones(len(table), dtype=bool)
        yield from part("d", everyone, document)
        yield from part("p", everyone, phone)
        for half in document_halves:
            yield from part("dh", everyone, half, initial)
        name_pairs = [(np.minimum(g, s), np.maximum(g, s)) for g in (g0, g1) for s in (s0, s1)]
        for low, high in name_pairs:
            yield from part("ny", dated, low, high, year_month)
        for low, high in name_pairs:
            yield from part("nd", dated, low, high, month_day)
        for low, high in name_pairs:
            yield from part("sw", swappable, low, high, either_order)

        short_pairs = [
            (np.minimum(g, s), np.maximum(g, s))
            for g in (short_of_word[g0], short_of_word[g1])
            for s in (short_of_word[s0], short_of_word[s1])
        ]
        for low, high in short_pairs:
            yield from part("yt", dated, low, high, year, town)
        for word in (g0, s0, s1):
            yield from part("td", dated, short_of_word[word], birth)
        yield from part("sy", dated & two_surnames, s_low, s_high, year)
        yield from part("sd", dated & two_surnames, s_low, s_high, month_day)

        for where in (postcode, town):
            yield from part("nm", everyone, g0, s_low, np.where(two_surnames, s_high, -1), where)
        for where in (postcode, town):
            yield from part("pd", dated, where, birth)
        yield from part("a", everyone, address)
        for low, high in name_pairs:
            yield from part("nn", everyone, low, high)
        for word in (g0, s0, s1):
            for where in (postcode, town):
                yield from part("pn", everyone, where, word)
        for low, high in name_pairs:
            for where in (postcode, town):
                yield from part("np", everyone, low, high, where, anchors=~dated)
        year_only = dated & (month_day == 101)
        for low, high in name_pairs:
            yield from part("nq", dated, low, high, year, anchors=year_only)

    return _Parts(values, generate())


def keys_of_table(table: Table) -> list[set[str]]:
    """Every record's blocking keys, as the short strings stored for real-time look-ups."""
    found = _key_parts(table)
    keys: list[set[str]] = [set() for _ in range(len(table))]
    for part in found.parts:
        if part.anchors is not None:  # anchored families serve batch blocking only
            continue
        lookups = [
            None if kind == "number" else found.values[kind] for kind in _LAYOUT[part.family]
        ]
        columns = [component.tolist() for component in part.components]
        prefix = part.family
        for row, *values in zip(part.rows.tolist(), *columns, strict=True):
            text = [
                ("" if value < 0 else lookup[value]) if lookup is not None else str(value)
                for lookup, value in zip(lookups, values, strict=True)
            ]
            keys[row].add(f"{prefix}:{':'.join(text)}")
    return keys


def blocking_keys(record: PersonRecord) -> set[str]:
    """The short strings under which *record* is found: records sharing one are compared."""
    return keys_of_table(table_from([record]))[0]


_MIX = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
    np.uint64(0x27D4EB2F165667C5),
)


def _hash(family: int, components: list[Array]) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        key = np.full(len(components[0]), np.uint64(family) * _MIX[3], dtype=np.uint64)
        for index, component in enumerate(components):
            mixed = component.astype(np.uint64) * _MIX[index % 3] + np.uint64(index + 1)
            key = (key ^ mixed) * _MIX[(index + 1) % 3]
            key ^= key >> np.uint64(29)
    return key


def _sorted_unique(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    values.sort()
    if len(values) == 0:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _pairs_in_blocks(
    keys: npt.NDArray[np.uint64], rows: npt.NDArray[np.int64], max_block: int
) -> npt.NDArray[np.int64]:
    """Distinct pairs of rows sharing a key, as ``low << 32 | high``, sorted."""
    order = np.argsort(keys)
    keys, rows = keys[order], rows[order]
    del order
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    chunks = []
    for size in np.unique(sizes):
        if size < 2 or size > max_block:
            continue
        members = rows[starts[sizes == size][:, None] + np.arange(size)[None, :]]
        members.sort(axis=1)
        left, right = np.triu_indices(int(size), 1)
        pairs = members[:, left].ravel() << 32
        pairs |= members[:, right].ravel()
        chunks.append(pairs)
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    return _sorted_unique(np.concatenate(chunks))


def _pairs_with_anchors(
    keys: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.int64],
    anchors: npt.NDArray[np.bool_],
    max_block: int,
) -> npt.NDArray[np.int64]:
    """Distinct pairs of an anchor and another row sharing its key, as ``low << 32 | high``,
    sorted."""
    # Only the blocks holding an anchor matter: the others are dropped before sorting.
    anchor_keys = np.unique(keys[anchors])
    if not len(anchor_keys):
        return np.zeros(0, dtype=np.int64)
    place = np.minimum(np.searchsorted(anchor_keys, keys), len(anchor_keys) - 1)
    wanted = anchor_keys[place] == keys
    del place
    keys, rows, anchors = keys[wanted], rows[wanted], anchors[wanted]
    order = np.argsort(keys)
    keys, rows, anchors = keys[order], rows[order], anchors[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    block = np.repeat(np.arange(len(starts)), sizes)
    pairing = np.flatnonzero(anchors & (sizes[block] >= 2) & (sizes[block] <= max_block))
    if not len(pairing):
        return np.zeros(0, dtype=np.int64)
    # Each anchor with every member of its block; then each pair once, and no row with itself.
    counts = sizes[block[pairing]]
    firsts = np.repeat(starts[block[pairing]], counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    anchor = np.repeat(rows[pairing], counts)
    other = rows[firsts + offsets]
    different = anchor != other
    anchor, other = anchor[different], other[different]
    pairs = np.minimum(anchor, other) << 32
    pairs |= np.maximum(anchor, other)
    return _sorted_unique(pairs)


def candidate_pairs(
    table: Table, *, max_block: int = MAX_BLOCK, max_loose_block: int = MAX_LOOSE_BLOCK
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Every pair of records sharing a key, each pair once, as (a, b) with a < b.

    Families are paired one at a time, each family's pairs kept once; then they are merged.
    Memory holds one family's keys at a time, and the pairs.
    """
    found = _key_parts(table)
    families = {family: number for number, family in enumerate(FAMILIES, start=1)}
    per_family: list[npt.NDArray[np.int64]] = []
    for family, group in itertools.groupby(found.parts, key=lambda part: part.family):
        parts = list(group)
        keys = np.concatenate([_hash(families[family], part.components) for part in parts])
        rows = np.concatenate([part.rows for part in parts])
        if parts[0].anchors is not None:
            anchors = np.concatenate([part.anchors for part in parts if part.anchors is not None])
            per_family.append(_pairs_with_anchors(keys, rows, anchors, MAX_ANCHORED_BLOCK))
        else:
            cap = max_loose_block if family in LOOSE_FAMILIES else max_block
            if family in PART_DATE_FAMILIES:
                cap = min(cap, MAX_PART_DATE_BLOCK)
            per_family.append(_pairs_in_blocks(keys, rows, cap))
        del parts, keys, rows
    merged = np.empty(sum(len(pairs) for pairs in per_family), dtype=np.int64)
    start = 0
    while per_family:
        pairs = per_family.pop(0)
        merged[start : start + len(pairs)] = pairs
        start += len(pairs)
        del pairs
    merged = _sorted_unique(merged)
    # A record holding one key twice (two names that sound alike) is not its own pair.
    low = np.empty(len(merged), dtype=np.int32)
    high = np.empty(len(merged), dtype=np.int32)
    step = 4_000_000
    for begin in range(0, len(merged), step):
        piece = merged[begin : begin + step]
        low[begin : begin + step] = piece >> 32
        high[begin : begin + step] = piece & 0xFFFFFFFF
    del merged
    distinct = low != high
    if not distinct.all():
        low, high = low[distinct], high[distinct]
    return low, high
