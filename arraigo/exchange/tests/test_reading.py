"""Reading files: CSV in its usual variants and real XLSX, headers in Spanish or English."""

import datetime

import pytest

from arraigo.exchange.reading import MAX_ROWS, FileUnreadable, read_file
from arraigo.exchange.tests.helpers import ENGLISH, SPANISH, csv_file, person, xlsx_file


@pytest.mark.parametrize(
    ("separator", "bom"), [(";", False), (";", True), (",", False), (",", True), ("\t", False)]
)
def test_csv_in_utf8_with_or_without_bom_and_any_separator(separator, bom):
    content = csv_file([person(), person(given="Luis")], separator=separator, bom=bom)

    read = read_file(content)

    assert [row.line for row in read.rows] == [2, 3]
    first = read.rows[0].values
    assert first["given_names"] == "Ana Gabriela"
    assert first["first_surname"] == "Martínez"
    assert first["municipality"] == "La Paz Este"
    assert "document_number" not in first  # empty cells are left out
    assert read.ignored == []


def test_csv_saved_by_excel_in_windows_1252_keeps_its_accents():
    read = read_file(csv_file([person()], encoding="cp1252"))

    assert read.rows[0].values["first_surname"] == "Martínez"


def test_headers_in_english_with_spaces_and_capitals_are_recognised():
    header = [name.replace("_", " ").title() for name in ENGLISH]

    read = read_file(csv_file([person()], header=header, separator=","))

    assert read.rows[0].values["given_names"] == "Ana Gabriela"


@pytest.mark.parametrize("separator", ["/", "-"])
def test_a_form_export_with_groups_before_the_names_is_recognised(separator):
    """KoboToolbox writes ``group/question``, ODK Central ``group-question``; their own columns
    (``_id``, ``_submission_time``) are left out."""
    header = (
        *(f"datos_personales{separator}{name}" for name in SPANISH),
        "_id",
        "_submission_time",
    )

    read = read_file(csv_file([(*person(), "4021", "2026-11-02T10:15:00")], header=header))

    assert read.rows[0].values["given_names"] == "Ana Gabriela"
    assert read.rows[0].values["municipality"] == "La Paz Este"
    assert read.ignored == ["_id", "_submission_time"]


def test_unknown_columns_are_left_out_and_told():
    header = (*SPANISH, "Observaciones")

    read = read_file(csv_file([(*person(), "llamar el lunes")], header=header))

    assert read.ignored == ["Observaciones"]
    assert "llamar el lunes" not in read.rows[0].values.values()


def test_blank_rows_are_left_out_but_lines_keep_their_number():
    content = csv_file([person(), [""] * len(SPANISH), person(given="Luis")])

    assert [row.line for row in read_file(content).rows] == [2, 4]


def test_real_xlsx_with_dates_and_numbers_as_cells():
    content = xlsx_file(
        [
            (
                "Ana",
                "Martínez",
                "",
                "FEMALE",
                datetime.datetime(1995, 7, 12),
                "PASSPORT",
                12345678,
                "SV",
                "SV-PA",
                "SV-PA-la-paz-este",
                "HOST_COMMUNITY",
                None,
            )
        ]
    )

    values = read_file(content).rows[0].values

    assert values["birth_date"] == "1995-07-12"
    assert values["document_number"] == "12345678"
    assert "second_surname" not in values


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file"),
        (b"PK\x03\x04 not really a zip", "cannot be read"),
        (b"nombres;primer_apellido\r\nAna;Martinez\r\n", "has no column for"),
        (csv_file([]), "no rows"),
        (b"\x00\x01\x02binary", "not a CSV or XLSX"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content, says):
    with pytest.raises(FileUnreadable) as error:
        read_file(content)

    assert says in error.value.message


def test_a_file_with_too_many_rows_is_refused_with_the_limit():
    content = csv_file([person()] * (MAX_ROWS + 1))

    with pytest.raises(FileUnreadable) as error:
        read_file(content)

    assert "at most 10,000 can be imported" in error.value.message
