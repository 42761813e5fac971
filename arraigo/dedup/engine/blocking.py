"""Blocking: the few records worth comparing with each record, found through shared keys.

Two records become a candidate pair when they share at least one key. The keys are chosen so
that one mistake in any field does not lose the pair: a key uses one or two fields, and every
field is left out of some key.

===========  ==============================================  =======================================
family       key                                             finds the same person despite
===========  ==============================================  =======================================
``d``        document number                                 any change of name, date or place
``p``        phone (last 8 digits of the national number)    any change of name, date or place
``ny``       a given name and a surname (sound) + birth year  day or month wrong; names dropped
``nd``       a given name and a surname (sound) + day/month   year wrong; names dropped
``td``       one name word (sound) + full birth date          the other names wrong or swapped
``pd``       postcode (or municipality) + full birth date     every name misspelt
===========  ==============================================  =======================================

Name keys use the first :data:`KEY_LENGTH` letters of the phonetic form of a word, the same
keys people search by, so accents, case, b/v, s/z/c, silent h and the order of the surnames
do not matter. A given name and a surname are put in alphabetical order inside a key, so a
given name written as a surname (and the other way round) still meets.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from arraigo.people.names import KEY_LENGTH

from .normalise import Factoriser, Table, table_from
from .records import PersonRecord

Array = npt.NDArray[np.int64]

# Blocks larger than this are not paired in batch: a key shared by so many records (a common
# name on a placeholder birth date) finds no one in particular; the other keys of those
# records still pair them. Keys without a date or a number (names alone, a place and a name)
# are useful only while they are rare, so their blocks are cut smaller.
MAX_BLOCK = 100
MAX_LOOSE_BLOCK = 20
LOOSE_FAMILIES = frozenset({"nn", "pn"})


@dataclass
class KeyPart:
    """One key family's keys for some records: ``rows[i]`` has the key ``components[:, i]``."""

    family: str
    rows: npt.NDArray[np.int64]
    components: list[Array]


@dataclass
class _Parts:
    word_prefix: list[str]
    phone_key: list[str]
    place_key: list[str]
    address_key: list[str]
    document_half: list[str]
    initials: list[str]
    parts: list[KeyPart]


def _key_parts(table: Table) -> _Parts:
    given_info, surname_info = table.names()
    # Phonetic words cut to KEY_LENGTH, as integer codes (0: no word).
    # Codes in alphabetical order, so that ordering two words by code orders them as text and
    # a key is written the same whichever table the record is in.
    prefixes = Factoriser()
    for prefix in sorted({word[:KEY_LENGTH] for word in table.phonetic_words if word}):
        prefixes.code(prefix)
    prefix_of_word = np.asarray(
        [prefixes.code(word[:KEY_LENGTH]) for word in table.phonetic_words], dtype=np.int64
    )
    given_words = prefix_of_word[given_info.tokens[table.given.codes][:, :2]]
    surname_words = prefix_of_word[surname_info.tokens[table.surname.codes][:, :2]]

    phones = Factoriser()
    phone_of_value = np.asarray(
        [phones.code(value[-8:] if len(value) >= 7 else "") for value in table.phone.values],
        dtype=np.int64,
    )
    phone = phone_of_value[table.phone.codes]

    documents_ok = np.asarray([len(value) >= 4 for value in table.document.values], dtype=bool)
    document = table.document.codes.astype(np.int64)
    document_rows = np.flatnonzero(documents_ok[table.document.codes] & (document != 0))

    places = Factoriser()
    postcode_place = np.asarray(
        [places.code(f"c{value}" if value else "") for value in table.postcode.values],
        dtype=np.int64,
    )
    municipality_place = np.asarray(
        [places.code(f"m{value}" if value else "") for value in table.municipality.values],
        dtype=np.int64,
    )
    place = postcode_place[table.postcode.codes]
    place = np.where(place != 0, place, municipality_place[table.municipality.codes])

    birth = table.birth_date.astype(np.int64)
    year = birth // 10000
    month_day = birth % 10000
    has_birth = birth != 0

    parts: list[KeyPart] = [
        KeyPart("d", document_rows, [document[document_rows]]),
    ]
    phone_rows = np.flatnonzero(phone != 0)
    parts.append(KeyPart("p", phone_rows, [phone[phone_rows]]))
    for gi in range(2):
        for si in range(2):
            g, s = given_words[:, gi], surname_words[:, si]
            ok = (g != 0) & (s != 0)
            low, high = np.minimum(g, s), np.maximum(g, s)
            for family, when in (("ny", year), ("nd", month_day)):
                rows = np.flatnonzero(ok & has_birth)
                parts.append(KeyPart(family, rows, [low[rows], high[rows], when[rows]]))
            rows = np.flatnonzero(ok)
            parts.append(KeyPart("nn", rows, [low[rows], high[rows]]))
    words = [given_words[:, 0], surname_words[:, 0], surname_words[:, 1]]
    for index, word in enumerate(words):
        ok = (word != 0) & has_birth
        if index == 2:
            ok &= word != surname_words[:, 0]
        rows = np.flatnonzero(ok)
        parts.append(KeyPart("td", rows, [word[rows], birth[rows]]))
        rows = np.flatnonzero(
            (word != 0) & (place != 0) & (index < 2 or word != surname_words[:, 0])
        )
        parts.append(KeyPart("pn", rows, [place[rows], word[rows]]))
    # Given name and surnames with the place: a full name without a date, kept apart by town.
    third = np.where(surname_words[:, 1] != surname_words[:, 0], surname_words[:, 1], 0)
    both = third != 0
    low_s = np.where(both, np.minimum(surname_words[:, 0], third), surname_words[:, 0])
    high_s = np.where(both, np.maximum(surname_words[:, 0], third), 0)
    for where in (place, municipality_place[table.municipality.codes]):
        ok = (given_words[:, 0] != 0) & (surname_words[:, 0] != 0) & (where != 0)
        rows = np.flatnonzero(ok)
        parts.append(
            KeyPart("nm", rows, [given_words[rows, 0], low_s[rows], high_s[rows], where[rows]])
        )
    # Halves of the document number with the surname's first letters: one wrong or swapped
    # digit leaves one half intact.
    halves = Factoriser()
    initials_of = Factoriser()
    for prefix in sorted({word[:2] for word in prefixes.values if word}):
        initials_of.code(prefix)
    initials = np.asarray([initials_of.code(word[:2]) for word in prefixes.values], dtype=np.int64)
    for which, cut in ((0, slice(None, 5)), (1, slice(-5, None))):
        half_of_value = np.asarray(
            [
                halves.code(f"{which}{value[cut]}" if len(value) >= 8 else "")
                for value in table.document.values
            ],
            dtype=np.int64,
        )
        half = half_of_value[table.document.codes]
        surname_initial = initials[low_s]
        rows = np.flatnonzero((half != 0) & (low_s != 0))
        parts.append(KeyPart("dh", rows, [half[rows], surname_initial[rows]]))
    town = municipality_place[table.municipality.codes]
    for where in (place, town):
        rows = np.flatnonzero((where != 0) & has_birth)
        parts.append(KeyPart("pd", rows, [where[rows], birth[rows]]))
    addresses = Factoriser()
    address_of_value = np.asarray(
        [addresses.code(_address_key(value)) for value in table.address.values],
        dtype=np.int64,
    )
    address = address_of_value[table.address.codes]
    rows = np.flatnonzero(address != 0)
    parts.append(KeyPart("a", rows, [address[rows]]))
    return _Parts(
        prefixes.values,
        phones.values,
        places.values,
        addresses.values,
        halves.values,
        initials_of.values,
        parts,
    )


def _address_key(address: str) -> str:
    """The numbers of an address and its first two words: a house, whatever the spelling."""
    words = address.split()
    numbers = sorted(word for word in words if word.isdigit())
    names = [word for word in words if not word.isdigit() and len(word) > 2][:2]
    return " ".join(numbers + names) if numbers and names else ""


def keys_of_table(table: Table) -> list[set[str]]:
    """Every record's blocking keys, as the short strings stored for real-time look-ups."""
    found = _key_parts(table)
    keys: list[set[str]] = [set() for _ in range(len(table))]
    words, phones, places = found.word_prefix, found.phone_key, found.place_key
    documents = table.document.values
    for part in found.parts:
        columns = [component.tolist() for component in part.components]
        for row, *values in zip(part.rows.tolist(), *columns, strict=True):
            if part.family == "d":
                key = f"d:{documents[values[0]]}"
            elif part.family == "p":
                key = f"p:{phones[values[0]]}"
            elif part.family in ("ny", "nd"):
                key = f"{part.family}:{words[values[0]]}:{words[values[1]]}:{values[2]}"
            elif part.family == "td":
                key = f"td:{words[values[0]]}:{values[1]}"
            elif part.family == "nn":
                key = f"nn:{words[values[0]]}:{words[values[1]]}"
            elif part.family == "nm":
                key = (
                    f"nm:{words[values[0]]}:{words[values[1]]}:{words[values[2]]}"
                    f":{places[values[3]]}"
                )
            elif part.family == "dh":
                key = f"dh:{found.document_half[values[0]]}:{found.initials[values[1]]}"
            elif part.family == "a":
                key = f"a:{found.address_key[values[0]]}"
            elif part.family == "pn":
                key = f"pn:{places[values[0]]}:{words[values[1]]}"
            else:
                key = f"pd:{places[values[0]]}:{values[1]}"
            keys[row].add(key)
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


def _pairs_in_blocks(
    keys: npt.NDArray[np.uint64], rows: npt.NDArray[np.int64], max_block: int
) -> Iterator[npt.NDArray[np.int64]]:
    """Pairs of rows sharing a key, as ``low << 32 | high``, one array per block size."""
    order = np.lexsort((rows, keys))
    keys, rows = keys[order], rows[order]
    # A record holding one key twice (two given names that sound alike) counts once in its block.
    repeated = np.r_[False, (keys[1:] == keys[:-1]) & (rows[1:] == rows[:-1])]
    keys, rows = keys[~repeated], rows[~repeated]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    for size in np.unique(sizes):
        if size < 2 or size > max_block:
            continue
        block_starts = starts[sizes == size]
        members = rows[block_starts[:, None] + np.arange(size)[None, :]]
        left, right = np.triu_indices(int(size), 1)
        a, b = members[:, left].ravel(), members[:, right].ravel()
        low, high = np.minimum(a, b), np.maximum(a, b)
        yield (low << 32) | high


def candidate_pairs(
    table: Table, *, max_block: int = MAX_BLOCK, max_loose_block: int = MAX_LOOSE_BLOCK
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Every pair of records sharing a key, each pair once, as (a, b) with a < b."""
    found = _key_parts(table)
    families = {
        "d": 1,
        "p": 2,
        "ny": 3,
        "nd": 4,
        "td": 5,
        "pd": 6,
        "nn": 7,
        "pn": 8,
        "a": 9,
        "nm": 10,
        "dh": 11,
    }
    chunks: list[npt.NDArray[np.int64]] = []
    for loose in (False, True):
        parts = [p for p in found.parts if (p.family in LOOSE_FAMILIES) == loose and len(p.rows)]
        if not parts:
            continue
        keys = np.concatenate([_hash(families[p.family], p.components) for p in parts])
        rows = np.concatenate([p.rows for p in parts])
        chunks.extend(_pairs_in_blocks(keys, rows, max_loose_block if loose else max_block))
        del keys, rows
    if not chunks:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty
    pairs = np.unique(np.concatenate(chunks))
    del chunks
    low = (pairs >> 32).astype(np.int32)
    high = (pairs & 0xFFFFFFFF).astype(np.int32)
    keep = low != high
    return low[keep], high[keep]
