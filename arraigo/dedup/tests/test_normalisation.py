import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arraigo.dedup.engine import PersonRecord, blocking_keys, parse_date, table_from
from arraigo.dedup.engine.normalise import (
    national_phone,
    normal_document,
    normal_sex,
    split_full_name,
)
from arraigo.people.identifiers import national_phone as people_national_phone
from arraigo.people.names import strip_accents

LETTERS = "abcdefghijklmnñopqrstuvwxyzáéíóúü"
WORD = st.text(alphabet=LETTERS, min_size=2, max_size=10)
NAME = st.lists(WORD, min_size=1, max_size=2).map(" ".join)
DATE = st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2020, 12, 31))


def person(**fields: object) -> PersonRecord:
    return PersonRecord(id="x", **fields)  # type: ignore[arg-type]


@st.composite
def people(draw: st.DrawFn) -> PersonRecord:
    return person(
        given_name=draw(NAME),
        second_given_name=draw(st.one_of(st.just(""), WORD)),
        first_surname=draw(NAME),
        second_surname=draw(st.one_of(st.just(""), NAME)),
        birth_date=draw(st.one_of(st.none(), DATE)),
        document_number=draw(st.one_of(st.just(""), st.from_regex(r"\d{8}-\d", fullmatch=True))),
        municipality=draw(st.sampled_from(["", "San Salvador", "Santa Ana", "Zacatecoluca"])),
    )


def _restyled(record: PersonRecord, style: str) -> PersonRecord:
    def change(text: str) -> str:
        return text.upper() if style == "upper" else strip_accents(text)

    return PersonRecord(
        id=record.id,
        given_name=change(record.given_name),
        second_given_name=change(record.second_given_name),
        first_surname=change(record.first_surname),
        second_surname=change(record.second_surname),
        birth_date=record.birth_date,
        document_number=record.document_number,
        municipality=change(record.municipality),
    )


@settings(max_examples=60, deadline=None)
@given(people())
def test_keys_ignore_case(record):
    assert blocking_keys(record) == blocking_keys(_restyled(record, "upper"))


@settings(max_examples=60, deadline=None)
@given(people())
def test_keys_ignore_accents(record):
    assert blocking_keys(record) == blocking_keys(_restyled(record, "plain"))


@settings(max_examples=60, deadline=None)
@given(people(), WORD, st.one_of(st.just(""), WORD))
def test_keys_ignore_the_order_of_the_surnames(record, first, second):
    written = PersonRecord(
        id=record.id,
        given_name=record.given_name,
        first_surname=first,
        second_surname=second,
        birth_date=record.birth_date,
        document_number=record.document_number,
        municipality=record.municipality,
    )
    swapped = PersonRecord(
        id=record.id,
        given_name=record.given_name,
        first_surname=second,
        second_surname=first,
        birth_date=record.birth_date,
        document_number=record.document_number,
        municipality=record.municipality,
    )
    assert blocking_keys(written) == blocking_keys(swapped)


@settings(max_examples=40, deadline=None)
@given(people())
def test_a_record_has_the_same_keys_alone_and_among_others(record):
    others = [
        person(given_name="Ana", first_surname="Zelaya", birth_date=datetime.date(1990, 1, 2)),
        person(given_name="Óscar", first_surname="Amaya", document_number="12345678-9"),
    ]
    from arraigo.dedup.engine import keys_of_table

    assert keys_of_table(table_from([*others, record]))[2] == blocking_keys(record)


def test_keys_of_a_typical_record():
    keys = blocking_keys(
        person(
            given_name="María José",
            first_surname="Hernández",
            second_surname="de la Cruz",
            birth_date=datetime.date(1985, 3, 4),
            document_number="04567890-1",
            phone="+503 7012-3456",
        )
    )
    assert "d:045678901" in keys
    assert "p:70123456" in keys
    assert "ny:ernan:maria:198503" in keys
    assert "nd:ernan:maria:304" in keys
    assert "td:kru:19850304" in keys
    assert all(len(key) <= 60 for key in keys)


def test_abbreviations_particles_and_accents_give_the_same_keys():
    full = person(
        given_name="María", first_surname="Hernández", second_surname="De la Cruz",
        birth_date=datetime.date(1990, 5, 6),
    )  # fmt: skip
    short = person(
        given_name="MA.", first_surname="HERNANDEZ", second_surname="CRUZ",
        birth_date=datetime.date(1990, 5, 6),
    )  # fmt: skip
    assert blocking_keys(full) == blocking_keys(short)


def test_a_record_without_anything_to_compare_has_no_keys():
    assert blocking_keys(person(sex="F")) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1985-03-04", 19850304),
        ("19850304", 19850304),
        ("1985-3-4", 19850304),
        (datetime.date(2001, 12, 31), 20011231),
        ("", 0),
        ("04/03/1985", 0),
        ("1985-13-01", 0),
        (None, 0),
    ],
)
def test_birth_dates_are_read_in_both_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "phone", ["+503 7012-3456", "7012 3456", "00503 70123456", "+57 300 123 4567", "099 123 4567"]
)
def test_phones_normalise_as_in_the_people_app(phone):
    assert national_phone(phone) == people_national_phone(phone)


def test_documents_sex_and_full_names():
    assert normal_document("04567890-1") == normal_document("045678901") == "045678901"
    assert normal_sex("Femenino") == normal_sex("f") == "F"
    assert normal_sex("HOMBRE") == "M"
    assert normal_sex("x") == ""
    assert split_full_name("María José Hernández López") == ("maria jose", "hernandez lopez")
    assert split_full_name("Hernández López, Ma. José") == ("maria jose", "hernandez lopez")
    assert split_full_name("Juan Pérez") == ("juan", "perez")
