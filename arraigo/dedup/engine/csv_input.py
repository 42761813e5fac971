"""Reading a CSV file of people straight into a :class:`~.normalise.Table`.

DuckDB reads and factorises the columns (each distinct text once, as integer codes per row);
Python normalises only the distinct values. A registry of a million rows is read in seconds,
without a Python object per row and field.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .normalise import DIALLING, RawColumn, Table, parse_date, table_from_raw
from .records import FIELDS


class CsvProblem(ValueError):
    """The file cannot be read as asked: a missing column, a missing or repeated id."""


@dataclass
class CsvReport:
    """What was left out of a file, by row number (the header is row 1)."""

    unreadable_dates: list[int] = field(default_factory=list)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_from_csv(
    path: str | Path, *, id_column: str, mapping: Mapping[str, str]
) -> tuple[Table, CsvReport]:
    """The records of a CSV file (UTF-8, with a header), with *mapping* from field to column.

    Birth dates that are not ``YYYY-MM-DD`` or ``YYYYMMDD`` are left out and reported.

    :raises CsvProblem: if a column is missing, or an id is missing or repeated.
    :raises FileNotFoundError: if there is no such file.
    """
    import duckdb

    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise CsvProblem(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")
        literal = "'" + str(path).replace("'", "''") + "'"
        con.execute(
            "create temporary table people as select row_number() over () + 1 as row_number, * "
            f"from read_csv({literal}, all_varchar = true, header = true, "
            "normalize_names = false, strict_mode = false)"
        )
        header = [row[0] for row in con.execute("describe people").fetchall()]
        stripped = {name.strip(): name for name in header}
        wanted = [id_column, *mapping.values()]
        missing = [name for name in wanted if name not in stripped]
        if missing:
            raise CsvProblem(
                f"No column {', '.join(repr(name) for name in missing)}; the columns are: "
                f"{', '.join(name.strip() for name in header[1:])}."
            )
        id_sql = f"trim(coalesce({_quoted(stripped[id_column])}, ''))"
        blank = con.execute(f"select min(row_number) from people where {id_sql} = ''").fetchone()
        if blank and blank[0] is not None:
            raise CsvProblem(f"Row {blank[0]} has no id in column {id_column!r}.")
        repeated = con.execute(
            f"select {id_sql}, max(row_number) from people group by 1 having count(*) > 1 "
            "order by 2 limit 1"
        ).fetchone()
        if repeated:
            raise CsvProblem(f"Id {repeated[0]!r} appears twice (row {repeated[1]}).")
        found = con.execute(f"select {id_sql} as id from people order by row_number")
        ids = [str(value) for value in found.fetchnumpy()["id"].tolist()]

        # Every field's value, normalised where SQL can, worked out once into a table of its
        # own: factorising then joins plain columns instead of evaluating expressions again.
        expressions = []
        normalised: set[str] = set()
        for field_name, column in mapping.items():
            value = f"trim(coalesce({_quoted(stripped[column])}, ''))"
            if field_name in _SQL_NORMALISERS:
                value = _SQL_NORMALISERS[field_name](value)
                normalised.add(field_name)
            expressions.append(f"{value} as {_quoted(field_name)}")
        con.execute(
            "create temporary table fields as select row_number, "
            f"{', '.join(expressions)} from people"
        )
        con.execute("drop table people")
        columns = {field_name: _factorised(con, field_name) for field_name in mapping}
        report = CsvReport()
        if "birth_date" in columns:
            codes, values = columns["birth_date"]
            unreadable = [
                index for index, value in enumerate(values) if value and not parse_date(value)
            ]
            if unreadable:
                bad = np.isin(codes, unreadable)
                report.unreadable_dates = (np.flatnonzero(bad) + 2).tolist()
                cleaned = list(values)
                for index in unreadable:
                    cleaned[index] = ""
                columns["birth_date"] = (codes, cleaned)
    finally:
        con.close()
    return table_from_raw(ids, columns, normalised=normalised), report


def _phone_sql(value: str) -> str:
    """``normalise.national_phone`` in SQL."""
    digits = f"regexp_replace({value}, '[^0-9]', '', 'g')"
    digits = f"(case when starts_with({digits}, '00') then substr({digits}, 3) else {digits} end)"
    cases = []
    for code, lengths in DIALLING:
        rest = f"ltrim(substr({digits}, {len(code) + 1}), '0')"
        allowed = ", ".join(str(length) for length in lengths)
        cases.append(
            f"when starts_with({digits}, '{code}') and length({rest}) in ({allowed}) then {rest}"
        )
    return f"(case {' '.join(cases)} else ltrim({digits}, '0') end)"


def _document_sql(value: str) -> str:
    """``normalise.normal_document`` in SQL."""
    return f"regexp_replace(upper({value}), '[^0-9A-Z]', '', 'g')"


def _text_sql(value: str) -> str:
    """``normalise.normal_text`` in SQL."""
    return f"trim(regexp_replace(strip_accents(lower({value})), '[^a-z0-9]+', ' ', 'g'))"


# Fields with many distinct values are normalised by DuckDB, the same way as in Python.
_SQL_NORMALISERS = {
    "document_number": _document_sql,
    "postcode": _document_sql,
    "phone": _phone_sql,
    "address": _text_sql,
}


def _factorised(con: object, field_name: str) -> RawColumn:
    """Codes of the column *field_name* per row (in file order) and its distinct values, ''
    first."""
    column = _quoted(field_name)
    distinct = f"select distinct {column} as value from fields union select ''"
    codes = (
        con.execute(  # type: ignore[attr-defined]
            f"""
            with distinct_values as (
                select value, (row_number() over (order by value) - 1)::integer as code
                from ({distinct})
            )
            select d.code from fields f join distinct_values d on d.value = f.{column}
            order by f.row_number
            """
        )
        .fetchnumpy()["code"]
        .astype(np.int32)
    )
    query = f"select value from ({distinct}) order by value"
    values = [str(row[0]) for row in con.execute(query).fetchall()]  # type: ignore[attr-defined]
    return codes, values
