"""FEBRL data sets (bench/data/febrl/, see its README): records in the engine's fields, and truth.

FEBRL columns map to the engine's fields as: given_name → given_name, surname → first_surname,
street_number + address_1 + address_2 → address, suburb → municipality, postcode → postcode,
date_of_birth → birth_date, soc_sec_id → document_number. ``state`` is not used.
"""

import csv
import itertools
import re
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "febrl"
SETS = {
    "FEBRL1": ("dataset1.csv",),
    "FEBRL2": ("dataset2.csv",),
    "FEBRL3": ("dataset3.csv",),
    "FEBRL4": ("dataset4a.csv", "dataset4b.csv"),
}
_CLUSTER = re.compile(r"^(rec-\d+)-")


def read_rows(name: str) -> list[dict[str, str]]:
    """Raw rows (stripped), with a ``source`` column naming the file for FEBRL4."""
    rows = []
    for file_name in SETS[name]:
        with (DATA / file_name).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, skipinitialspace=True):
                clean = {key.strip(): (value or "").strip() for key, value in row.items()}
                clean["source"] = file_name
                # FEBRL4's files repeat record ids across files; make them unique.
                if len(SETS[name]) > 1:
                    clean["rec_id"] = f"{file_name[-5]}:{clean['rec_id']}"
                rows.append(clean)
    return rows


def cluster(rec_id: str) -> str:
    match = _CLUSTER.match(rec_id.split(":")[-1])
    return match.group(1) if match else rec_id


def columns(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """The engine's columnar input for FEBRL rows."""
    return {
        "id": [row["rec_id"] for row in rows],
        "given_name": [row["given_name"] for row in rows],
        "first_surname": [row["surname"] for row in rows],
        "address": [
            " ".join(
                part for part in (row["street_number"], row["address_1"], row["address_2"]) if part
            )
            for row in rows
        ],
        "municipality": [row["suburb"] for row in rows],
        "postcode": [row["postcode"] for row in rows],
        "birth_date": [row["date_of_birth"] for row in rows],
        "document_number": [row["soc_sec_id"] for row in rows],
    }


def true_pairs(rows: list[dict[str, str]], *, link: bool) -> set[tuple[str, str]]:
    """Every pair of records of one person (across the two files only, when linking)."""
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[cluster(row["rec_id"])].append(row)
    pairs = set()
    for members in groups.values():
        for left, right in itertools.combinations(members, 2):
            if link and left["source"] == right["source"]:
                continue
            pairs.add(ordered(left["rec_id"], right["rec_id"]))
    return pairs


def ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)
