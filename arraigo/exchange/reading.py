"""Reading an uploaded participants file, CSV or XLSX, into rows of text by column.

The kind of file is read from its content, never trusted from its name. CSV may be UTF-8 (with
or without the byte-order mark Excel writes) or Windows-1252, separated by commas, semicolons
or tabs. XLSX is read with openpyxl, values only (never formulas), first sheet.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from arraigo.core.errors import ApplicationError
from arraigo.exchange.columns import BY_KEY, REQUIRED_KEYS, column_of

# A CSV of 10,000 rows of the usual columns takes about 1 MB: room for every column and long
# addresses.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Rows are checked and imported in the background (about 15 ms each): a file is kept to what
# is done in a few minutes, and to what a person can still go through on the page.
# See docs/adr/0011-imports.md.
MAX_ROWS = 10_000
XLSX_SIGNATURE = b"PK\x03\x04"
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"
ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileUnreadable(ApplicationError):
    """Raised when an uploaded file is empty, too large, of another kind, or has no usable
    header."""


@dataclass(frozen=True)
class ReadRow:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class ReadFile:
    rows: list[ReadRow]
    # Headers not recognised as any column: left out, and told.
    ignored: list[str] = field(default_factory=list)


def _text(value: object) -> str:
    """A cell's value as text: dates as YYYY-MM-DD, whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise FileUnreadable(
            _("This file is not a CSV or XLSX file. Save it as .xlsx or as CSV (UTF-8)."),
            field="file",
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in Spanish saves "CSV" in Windows-1252.
        return content.decode("cp1252", errors="replace")


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first_line.count)
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise FileUnreadable(
            _("This CSV file cannot be read: %(problem)s.") % {"problem": error}, field="file"
        ) from error


def _xlsx_rows(content: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileUnreadable(
            _(
                "This XLSX file cannot be read; it may be damaged. Save it again from your "
                "spreadsheet."
            ),
            field="file",
        ) from error
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        filled = 0
        for row in sheet.iter_rows(values_only=True):
            cells = [_text(value) for value in row]
            rows.append(cells)
            filled += any(cells)
            if filled > MAX_ROWS + 1:  # too many already: the count is told, no need for more
                break
        return rows
    finally:
        workbook.close()


def read_file(content: bytes) -> ReadFile:
    """The rows of a participants file, by column key; blank rows left out.

    :raises FileUnreadable: for an empty, too large or unreadable file, one of another kind,
        one without the required columns, or one with more than ``MAX_ROWS`` rows.
    """
    if not content:
        raise FileUnreadable(_("The file is empty."), field="file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileUnreadable(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {
                "size": round(len(content) / 1024 / 1024, 1),
                "limit": MAX_UPLOAD_BYTES // 1024 // 1024,
            },
            field="file",
        )
    if content.startswith(OLD_EXCEL_SIGNATURE):
        raise FileUnreadable(
            _("This is an old Excel file (.xls). Save it as .xlsx or as CSV (UTF-8)."),
            field="file",
        )
    table = _xlsx_rows(content) if content.startswith(XLSX_SIGNATURE) else _csv_rows(content)
    while table and not any(table[0]):
        table.pop(0)
    if not table:
        raise FileUnreadable(_("The file has no header row."), field="file")
    header, body = table[0], table[1:]
    keys: list[str | None] = []
    ignored: list[str] = []
    for name in header:
        key = column_of(name) if name else None
        if key in keys:
            key = None  # a column given twice: the first counts
        if key is None and name:
            ignored.append(name)
        keys.append(key)
    missing = [BY_KEY[key] for key in REQUIRED_KEYS if key not in keys]
    if "birth_date" not in keys and "age" not in keys:
        missing.append(BY_KEY["birth_date"])
    if missing:
        raise FileUnreadable(
            _("The file has no column for: %(columns)s. Download the template to see the columns.")
            % {
                "columns": ", ".join(f"{column.label} ({column.header_pair})" for column in missing)
            },
            field="file",
        )
    rows = []
    for offset, cells in enumerate(body):
        values = {
            key: cell for key, cell in zip(keys, cells, strict=False) if key is not None and cell
        }
        if values:
            rows.append(ReadRow(line=offset + 2, values=values))
    if len(rows) > MAX_ROWS:
        raise FileUnreadable(
            _(
                "The file has %(count)s rows; at most %(limit)s can be imported at once. Split "
                "it into smaller files."
            )
            % {
                "count": number_format(len(rows), force_grouping=True),
                "limit": number_format(MAX_ROWS, force_grouping=True),
            },
            field="file",
        )
    if not rows:
        raise FileUnreadable(_("The file has a header but no rows."), field="file")
    return ReadFile(rows=rows, ignored=ignored)
