"""Reference data shipped as files in core/data (sources in the README beside each file).

Administrative divisions get a ``code``: the official one where the country publishes it
(ISO 3166-2 for departments and provinces, DANE's DIVIPOLA for Colombian municipalities, INEC's
for Ecuadorian cantons), otherwise one derived from the names (El Salvador's municipalities and
districts have no verified official codes yet).
"""

import csv
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(relative: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / relative).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def divisions() -> Iterator[dict[str, Any]]:
    """Every division as a dict of AdministrativeDivision fields, parents before children."""
    seen: set[str] = set()

    def once(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if row["code"] not in seen:
            seen.add(row["code"])
            yield row

    for row in _rows("geo/sv_divisions.csv"):
        department = row["department_code"]
        municipality = f"{department}-{_slug(row['municipality'])}"
        yield from once(
            {
                "code": department,
                "country": "SV",
                "level": "DEPARTMENT",
                "name": row["department"],
                "parent_id": None,
                "official_code": True,
            }
        )
        yield from once(
            {
                "code": municipality,
                "country": "SV",
                "level": "MUNICIPALITY",
                "name": row["municipality"],
                "parent_id": department,
                "official_code": False,
            }
        )
        yield from once(
            {
                "code": f"{municipality}-{_slug(row['district'])}",
                "country": "SV",
                "level": "DISTRICT",
                "name": row["district"],
                "parent_id": municipality,
                "official_code": False,
            }
        )
    for row in _rows("geo/co_divipola.csv"):
        department = f"CO-{row['department_code']}"
        yield from once(
            {
                "code": department,
                "country": "CO",
                "level": "DEPARTMENT",
                "name": row["department"],
                "parent_id": None,
                "official_code": True,
            }
        )
        yield from once(
            {
                "code": f"CO-{row['municipality_code']}",
                "country": "CO",
                "level": "MUNICIPALITY",
                "name": row["municipality"],
                "parent_id": department,
                "official_code": True,
            }
        )
    for row in _rows("geo/ec_divisions.csv"):
        province = f"EC-{row['province_code']}"
        yield from once(
            {
                "code": province,
                "country": "EC",
                "level": "DEPARTMENT",
                "name": row["province"],
                "parent_id": None,
                "official_code": True,
            }
        )
        yield from once(
            {
                "code": f"EC-{row['canton_code']}",
                "country": "EC",
                "level": "MUNICIPALITY",
                "name": row["canton"],
                "parent_id": province,
                "official_code": True,
            }
        )


def occupations() -> Iterator[dict[str, Any]]:
    """ISCO-08 groups as dicts of Occupation fields, parents before children."""
    for row in _rows("codes/isco08.csv"):
        yield {
            "code": row["code"],
            "level": row["level"].upper(),
            "parent_id": row["parent_code"] or None,
            "title_en": row["title_en"],
            "title_es": row["title_es"],
        }


def washington_group_questions() -> list[dict[str, str]]:
    """The six Washington Group short-set questions, in order, with their domain."""
    return [row for row in _rows("codes/washington_group_ss.csv") if row["item_type"] == "question"]


def washington_group_answers() -> list[dict[str, str]]:
    return [row for row in _rows("codes/washington_group_ss.csv") if row["item_type"] == "answer"]
