"""Business sectors: the sections of ISIC Rev.4 (CIIU), shipped in core/data/codes."""

import csv
from functools import cache

from django.utils.translation import get_language

from arraigo.core.reference_data import DATA_DIR


@cache
def _sections() -> dict[str, tuple[str, str]]:
    with (DATA_DIR / "codes" / "isic4_sections.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["section"]: (row["title_en"], row["title_es"]) for row in csv.DictReader(handle)
        }


def is_section(code: str) -> bool:
    return code in _sections()


def section_title(code: str) -> str:
    """The title of ISIC section *code* in the current language, or the code if unknown."""
    titles = _sections().get(code)
    if titles is None:
        return code
    return titles[0] if get_language() == "en" else titles[1]


def section_choices() -> list[tuple[str, str]]:
    """(code, "A · title") for every section, in the current language."""
    return [(code, f"{code} · {section_title(code)}") for code in _sections()]
