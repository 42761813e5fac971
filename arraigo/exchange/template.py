"""The template of a participants file: an XLSX with the columns in the user's language and a
sheet saying what each one takes."""

import io

import xlsxwriter
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from arraigo.exchange.columns import COLUMNS
from arraigo.people.models import (
    EducationLevel,
    GenderIdentity,
    IdentityDocument,
    Language,
    PopulationType,
    ReturnKind,
    Sex,
)

CHOICES: dict[str, type[models.TextChoices]] = {
    "sex": Sex,
    "document_kind": IdentityDocument.Kind,
    "population_type": PopulationType,
    "return_kind": ReturnKind,
    "education_level": EducationLevel,
    "languages": Language,
    "gender_identity": GenderIdentity,
}


def accepted_values(key: str) -> str:
    """The codes a choice column takes, with their names in the user's language."""
    choices = CHOICES.get(key)
    if choices is None:
        return ""
    return "; ".join(f"{value} ({label})" for value, label in choices.choices)


def template_xlsx() -> bytes:
    """The template as XLSX bytes: a sheet to fill in, and a sheet of help."""
    language = get_language() or "es"
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet(_("Participants")[:31])
    for number, column in enumerate(COLUMNS):
        sheet.write_string(0, number, column.header(language), bold)
        # Text cells keep the leading zeros of document numbers and phones.
        sheet.set_column(number, number, max(14, len(column.header(language)) + 2), text)
        sheet.write_comment(0, number, f"{column.label}. {column.help}")
    sheet.freeze_panes(1, 0)
    help_sheet = workbook.add_worksheet(_("Help")[:31])
    for number, title in enumerate((_("Column"), _("What it holds"), _("How to fill it in"))):
        help_sheet.write_string(0, number, title, bold)
    help_sheet.set_column(0, 0, 26)
    help_sheet.set_column(1, 1, 30)
    help_sheet.set_column(2, 2, 90, wrap)
    for number, column in enumerate(COLUMNS, start=1):
        values = accepted_values(column.key)
        how = f"{column.help} {values}".strip()
        help_sheet.write_string(number, 0, column.header(language))
        help_sheet.write_string(number, 1, str(column.label))
        help_sheet.write_string(number, 2, how)
    workbook.close()
    return output.getvalue()
