"""Normal forms of every field, and the columnar table the engine compares.

Records are read into a :class:`Table`: one small integer code per record and field, each code
naming a distinct normalised value. Registries repeat the same names, places and dates many
times, so the expensive work (normalising, phonetic keys, string similarity) is done once per
distinct value, never once per record or per pair.
"""

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from arraigo.people.names import name_tokens, phonetic

from .records import FIELDS, PersonRecord

Codes = npt.NDArray[np.int32]

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")
_DIGITS = re.compile(r"\D")
_NOT_TEXT = re.compile(r"[^a-z0-9]+")
_DATE = re.compile(r"^\s*(\d{4})-?(\d{1,2})-?(\d{1,2})\s*$")

# Country calling codes and national number lengths, as in people.identifiers.national_phone
# (repeated here so the engine runs without Django's models).
DIALLING = (("503", (8,)), ("57", (10,)), ("593", (8, 9)))

_FEMALE = frozenset({"f", "fem", "femenino", "female", "mujer", "w", "woman", "femme"})
_MALE = frozenset({"m", "masc", "masculino", "male", "hombre", "h", "man", "varon", "varón"})

# Given names that tell where the given names of an unsplit full name end. Only used to split a
# ``full_name`` when the separate name fields are empty.
COMMON_GIVEN_NAMES = frozenset(
    """maria jose juan carlos luis ana rosa jesus francisco antonio manuel pedro miguel jorge
    carmen marta elena isabel laura patricia sandra claudia andrea daniela gabriela paola
    jessica karla karen wendy silvia sonia teresa lucia sofia valentina camila fernanda
    alejandra veronica monica adriana alicia beatriz blanca cecilia diana dolores esther
    gloria irma julia leticia lourdes margarita mercedes norma olga pilar raquel reina
    roxana ruth sara susana yolanda guadalupe angela angeles concepcion consuelo elsa
    alberto alejandro alfredo andres angel arturo benjamin cesar cristian david diego
    eduardo enrique ernesto fernando gerardo guillermo gustavo hector hugo ignacio ivan
    javier joaquin julio kevin leonel marco mario martin mauricio nelson oscar pablo
    rafael ramon raul ricardo roberto rodrigo ruben salvador santiago sergio tomas victor
    walter william wilson edwin erick josue samuel elias isaac abraham moises noe rene
    cristina natalia marisol maribel yesenia xiomara flor esperanza milagros""".split()  # noqa: SIM905
)


def strip_or_empty(value: object) -> str:
    return "" if value is None else str(value).strip()


def normal_document(value: str) -> str:
    """Upper case letters and digits only: ``04567890-1`` → ``045678901``."""
    return _NOT_ALPHANUMERIC.sub("", value.upper())


def national_phone(value: str) -> str:
    """Digits of the national number, without country code or trunk 0."""
    digits = _DIGITS.sub("", value)
    if digits.startswith("00"):
        digits = digits[2:]
    for code, lengths in DIALLING:
        rest = digits[len(code) :]
        if digits.startswith(code) and len(rest.lstrip("0")) in lengths:
            return rest.lstrip("0")
    return digits.lstrip("0")


def normal_sex(value: str) -> str:
    word = value.strip().lower().rstrip(".")
    if word in _FEMALE:
        return "F"
    if word in _MALE:
        return "M"
    return ""


def normal_text(value: str) -> str:
    """Lower case, no accents, letters and digits separated by single spaces."""
    lowered = value.lower()
    if not lowered.isascii():
        # Same as dropping accents: only a-z and 0-9 are kept below.
        lowered = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return " ".join(_NOT_TEXT.sub(" ", lowered).split())


def normal_postcode(value: str) -> str:
    return normal_document(value)


def parse_date(value: object) -> int:
    """A birth date as the integer ``YYYYMMDD``; 0 when missing or unreadable.

    Accepts ``datetime.date``, ``YYYY-MM-DD``, ``YYYYMMDD`` and integers written that way. An
    impossible date (a day 31 in June, a typing mistake) is kept as written: it still compares
    digit by digit.
    """
    if value is None or value == "":
        return 0
    if isinstance(value, datetime.date):
        return value.year * 10000 + value.month * 100 + value.day
    if isinstance(value, int | np.integer):
        number = int(value)
        return number if 10000101 <= number <= 99991231 else 0
    match = _DATE.match(str(value))
    if not match:
        return 0
    year, month, day = (int(part) for part in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return 0
    return year * 10000 + month * 100 + day


def date_from_int(value: int) -> datetime.date | None:
    try:
        return datetime.date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None


@lru_cache(maxsize=262144)
def name_words(text: str) -> tuple[str, ...]:
    """The words of a name: normalised, abbreviations expanded, particles dropped."""
    return tuple(name_tokens(text)) if text else ()


@lru_cache(maxsize=262144)
def phonetic_word(word: str) -> str:
    return phonetic(word)


@lru_cache(maxsize=65536)
def split_full_name(text: str) -> tuple[str, str]:
    """Given names and surnames of a full name written in one field.

    ``"Hernández López, María José"`` puts the surnames first; otherwise leading words that are
    common given names are given names (at least one), and the rest are surnames.
    """
    if "," in text:
        surnames, given = text.split(",", 1)
        return " ".join(name_words(given)), " ".join(name_words(surnames))
    words = name_words(text)
    if len(words) <= 1:
        return " ".join(words), ""
    given_count = 1
    while given_count < len(words) - 1 and words[given_count] in COMMON_GIVEN_NAMES:
        given_count += 1
    if len(words) >= 4 and given_count == 1:
        given_count = 2
    return " ".join(words[:given_count]), " ".join(words[given_count:])


class Factoriser:
    """Turns values into small integer codes; code 0 is the empty value."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}
        self.values: list[str] = [""]

    def code(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found


@dataclass
class Column:
    """A factorised column: ``values[codes[i]]`` is record i's normalised value."""

    codes: Codes
    values: list[str]
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def array(self) -> npt.NDArray[np.object_]:
        """The values as a NumPy array, to pick many at once (made once)."""
        return self.derived("array", lambda values: np.asarray(values, dtype=object))

    def derived(self, name: str, make: Callable[[list[str]], Any]) -> Any:
        """``make(values)``, computed once per column: a per-value array that every chunk of
        pairs reads instead of working it out again."""
        cached = self._derived.get(name)
        if cached is None or cached[0] != len(self.values):
            # Values may be added to a column after a first use (the builder shares lists).
            cached = self._derived[name] = (len(self.values), make(self.values))
        return cached[1]


@dataclass
class NameInfo:
    """Per distinct name value: phonetic codes of its words and of the whole."""

    tokens: npt.NDArray[np.int32]  # (values, 3) phonetic word codes, 0 = no word
    whole: Codes  # phonetic code of the whole name, words in order
    unordered: Codes  # code of the words sorted, so order does not matter
    count: npt.NDArray[np.int8]
    unordered_values: list[str]  # the words sorted, by ``unordered`` code


@dataclass
class Table:
    """Records in columns, ready to compare."""

    ids: list[str]
    given: Column
    surname: Column
    birth_date: npt.NDArray[np.int32]
    sex: npt.NDArray[np.int8]
    document: Column
    phone: Column
    address: Column
    municipality: Column
    postcode: Column
    phonetic_words: list[str] = field(default_factory=list)
    given_info: NameInfo | None = None
    surname_info: NameInfo | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def names(self) -> tuple[NameInfo, NameInfo]:
        if self.given_info is None or self.surname_info is None:
            self.given_info, self.surname_info, self.phonetic_words = _name_infos(
                self.given.values, self.surname.values
            )
        return self.given_info, self.surname_info


def _name_infos(given: list[str], surname: list[str]) -> tuple[NameInfo, NameInfo, list[str]]:
    words = Factoriser()
    wholes = Factoriser()
    unordered = Factoriser()

    def info(values: list[str]) -> NameInfo:
        size = len(values)
        tokens = np.zeros((size, 3), dtype=np.int32)
        whole = np.zeros(size, dtype=np.int32)
        sorted_code = np.zeros(size, dtype=np.int32)
        count = np.zeros(size, dtype=np.int8)
        for index, value in enumerate(values):
            if not value:
                continue
            parts = value.split()
            sounds = [phonetic_word(part) for part in parts]
            for position, sound in enumerate(sounds[:3]):
                tokens[index, position] = words.code(sound)
            whole[index] = wholes.code(" ".join(sounds))
            sorted_code[index] = unordered.code(" ".join(sorted(parts)))
            count[index] = min(len(parts), 3)
        return NameInfo(tokens, whole, sorted_code, count, unordered.values)

    given_info = info(given)
    surname_info = info(surname)
    return given_info, surname_info, words.values


# --- building a table ---------------------------------------------------------------------

_TEXT_FIELDS = ("document", "phone", "address", "municipality", "postcode")


class TableBuilder:
    """Adds records one at a time, keeping only codes and distinct values in memory."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._raw: dict[str, dict[str, int]] = {}
        self._columns: dict[str, Factoriser] = {
            name: Factoriser() for name in ("given", "surname", *_TEXT_FIELDS)
        }
        self._codes: dict[str, list[int]] = {name: [] for name in self._columns}
        self._birth: list[int] = []
        self._sex: list[int] = []
        self._normalisers = _NORMALISERS
        self._sex_cache: dict[str, int] = {}

    def _coded(self, column: str, raw: str, normaliser: Callable[[str], str]) -> int:
        cache = self._raw.setdefault(column, {})
        found = cache.get(raw)
        if found is None:
            found = cache[raw] = self._columns[column].code(normaliser(raw) if raw else "")
        return found

    def add(
        self,
        *,
        id: str,
        given_name: str = "",
        second_given_name: str = "",
        first_surname: str = "",
        second_surname: str = "",
        full_name: str = "",
        sex: str = "",
        birth_date: object = None,
        document_number: str = "",
        phone: str = "",
        address: str = "",
        municipality: str = "",
        postcode: str = "",
    ) -> None:
        self.ids.append(str(id))
        given_raw = f"{given_name or ''} {second_given_name or ''}".strip()
        surname_raw = f"{first_surname or ''} {second_surname or ''}".strip()
        if not given_raw and not surname_raw and full_name:
            given_text, surname_text = split_full_name(full_name)
            self._codes["given"].append(self._columns["given"].code(given_text))
            self._codes["surname"].append(self._columns["surname"].code(surname_text))
        else:
            self._codes["given"].append(self._coded("given", given_raw, _joined_words))
            self._codes["surname"].append(self._coded("surname", surname_raw, _joined_words))
        self._codes["document"].append(
            self._coded("document", document_number or "", self._normalisers["document"])
        )
        self._codes["phone"].append(self._coded("phone", phone or "", self._normalisers["phone"]))
        self._codes["address"].append(
            self._coded("address", address or "", self._normalisers["address"])
        )
        self._codes["municipality"].append(
            self._coded("municipality", municipality or "", self._normalisers["municipality"])
        )
        self._codes["postcode"].append(
            self._coded("postcode", postcode or "", self._normalisers["postcode"])
        )
        self._birth.append(parse_date(birth_date))
        sex_text = sex or ""
        sex_code = self._sex_cache.get(sex_text)
        if sex_code is None:
            sex_code = self._sex_cache[sex_text] = {"": 0, "F": 1, "M": 2}[normal_sex(sex_text)]
        self._sex.append(sex_code)

    def add_record(self, record: PersonRecord) -> None:
        self.add(
            id=record.id,
            given_name=record.given_name,
            second_given_name=record.second_given_name,
            first_surname=record.first_surname,
            second_surname=record.second_surname,
            full_name=record.full_name,
            sex=record.sex,
            birth_date=record.birth_date,
            document_number=record.document_number,
            phone=record.phone,
            address=record.address,
            municipality=record.municipality,
            postcode=record.postcode,
        )

    def build(self) -> Table:
        def column(name: str) -> Column:
            codes = np.asarray(self._codes[name], dtype=np.int32)
            self._codes[name] = []
            return Column(codes, self._columns[name].values)

        table = Table(
            ids=self.ids,
            given=column("given"),
            surname=column("surname"),
            birth_date=np.asarray(self._birth, dtype=np.int32),
            sex=np.asarray(self._sex, dtype=np.int8),
            document=column("document"),
            phone=column("phone"),
            address=column("address"),
            municipality=column("municipality"),
            postcode=column("postcode"),
        )
        self._birth, self._sex, self._raw = [], [], {}
        return table


def _joined_words(text: str) -> str:
    return " ".join(name_words(text))


def _municipality(text: str) -> str:
    return " ".join(name_words(text))


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "given": _joined_words,
    "surname": _joined_words,
    "document": normal_document,
    "phone": national_phone,
    "address": normal_text,
    "municipality": _municipality,
    "postcode": normal_postcode,
}


def _normalised_column(
    codes: Codes, raw_values: Sequence[str], normaliser: Callable[[str], str]
) -> Column:
    """A column of raw-value codes turned into one of normalised-value codes."""
    factoriser = Factoriser()
    remap = np.asarray(
        [factoriser.code(normaliser(value) if value else "") for value in raw_values],
        dtype=np.int32,
    )
    return Column(
        remap[codes] if len(remap) else np.zeros(len(codes), dtype=np.int32), factoriser.values
    )


RawColumn = tuple[Codes, Sequence[str]]


def table_from_raw(
    ids: list[str],
    columns: Mapping[str, RawColumn],
    *,
    normalised: set[str] | frozenset[str] = frozenset(),
) -> Table:
    """A table from columns already factorised: ``values[codes[i]]`` is record i's raw text.

    *columns* is keyed by :data:`~.records.FIELDS`; absent fields are empty. Given names and
    surnames are joined as the record builder joins them; a full name is split only for
    records with neither.
    """
    n = len(ids)
    empty: RawColumn = (np.zeros(n, dtype=np.int32), [""])

    def joined(first: str, second: str) -> RawColumn:
        a_codes, a_values = columns.get(first, empty)
        b_codes, b_values = columns.get(second, empty)
        if second not in columns:
            return a_codes, a_values
        if first not in columns:
            return b_codes, b_values
        pairs = a_codes.astype(np.int64) * len(b_values) + b_codes
        distinct, codes = np.unique(pairs, return_inverse=True)
        values = [
            f"{a_values[int(d) // len(b_values)]} {b_values[int(d) % len(b_values)]}".strip()
            for d in distinct
        ]
        return codes.astype(np.int32), values

    given = _normalised_column(*joined("given_name", "second_given_name"), _joined_words)
    surname = _normalised_column(*joined("first_surname", "second_surname"), _joined_words)
    if "full_name" in columns:
        full_codes, full_values = columns["full_name"]
        split = [split_full_name(value) if value else ("", "") for value in full_values]
        lonely = (given.codes == 0) & (surname.codes == 0) & (full_codes != 0)
        if lonely.any():
            given_factoriser, surname_factoriser = Factoriser(), Factoriser()
            given_factoriser.values, surname_factoriser.values = given.values, surname.values
            given_factoriser.index = {v: i for i, v in enumerate(given.values)}
            surname_factoriser.index = {v: i for i, v in enumerate(surname.values)}
            given_of = np.asarray([given_factoriser.code(g) for g, _ in split], dtype=np.int32)
            surname_of = np.asarray([surname_factoriser.code(s) for _, s in split], dtype=np.int32)
            given.codes = np.where(lonely, given_of[full_codes], given.codes)
            surname.codes = np.where(lonely, surname_of[full_codes], surname.codes)

    def text(field: str, column: str) -> Column:
        codes, values = columns.get(field, empty)
        if field in normalised:
            # Already normal and distinct, the empty value first.
            return Column(codes, list(values))
        return _normalised_column(codes, values, _NORMALISERS[column])

    birth_codes, birth_values = columns.get("birth_date", empty)
    birth = np.asarray([parse_date(value) for value in birth_values], dtype=np.int32)[birth_codes]
    sex_codes, sex_values = columns.get("sex", empty)
    sex_map = {"": 0, "F": 1, "M": 2}
    sex = np.asarray([sex_map[normal_sex(value)] for value in sex_values], dtype=np.int8)[sex_codes]
    return Table(
        ids=ids,
        given=given,
        surname=surname,
        birth_date=birth,
        sex=sex,
        document=text("document_number", "document"),
        phone=text("phone", "phone"),
        address=text("address", "address"),
        municipality=text("municipality", "municipality"),
        postcode=text("postcode", "postcode"),
    )


Columnar = Mapping[str, Sequence[Any]]


def table_from(records: Iterable[PersonRecord] | Columnar | Table) -> Table:
    """A :class:`Table` from records, or from columns named as :class:`PersonRecord`'s fields."""
    if isinstance(records, Table):
        return records
    builder = TableBuilder()
    if isinstance(records, Mapping):
        if "id" not in records:
            raise ValueError("Columnar input needs an 'id' column.")
        unknown = set(records) - {"id", *FIELDS}
        if unknown:
            raise ValueError(f"Unknown columns: {', '.join(sorted(unknown))}.")
        names = list(records)
        for row in zip(*(records[name] for name in names), strict=True):
            builder.add(**dict(zip(names, row, strict=True)))
    else:
        for record in records:
            builder.add_record(record)
    return builder.build()
