import csv
import datetime
import itertools
import re
from collections import defaultdict
from pathlib import Path

from arraigo.dedup.engine import (
    PersonRecord,
    blocking_keys,
    candidate_pairs,
    keys_of_table,
    table_from,
)
from arraigo.dedup.tests.synthetic import registry

FEBRL1 = Path(__file__).resolve().parents[3] / "bench" / "data" / "febrl" / "dataset1.csv"


def _recall(records: list[PersonRecord], truth: set[tuple[str, str]]) -> float:
    table = table_from(records)
    a, b = candidate_pairs(table)
    ids = table.ids
    found = {
        (ids[x], ids[y]) if ids[x] < ids[y] else (ids[y], ids[x])
        for x, y in zip(a.tolist(), b.tolist(), strict=True)
    }
    return len(found & truth) / len(truth)


def test_blocking_keeps_the_duplicates_of_a_spanish_sample():
    records, truth = registry(3000, seed=11)
    assert len(truth) > 500
    assert _recall(records, truth) >= 0.995


def test_blocking_keeps_the_duplicates_of_febrl1():
    records = []
    groups: dict[str, list[str]] = defaultdict(list)
    with FEBRL1.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, skipinitialspace=True):
            row = {key.strip(): value.strip() for key, value in row.items()}
            records.append(
                PersonRecord(
                    id=row["rec_id"],
                    given_name=row["given_name"],
                    first_surname=row["surname"],
                    address=f"{row['street_number']} {row['address_1']} {row['address_2']}",
                    municipality=row["suburb"],
                    postcode=row["postcode"],
                    birth_date=None,
                    document_number=row["soc_sec_id"],
                )
            )
            groups[re.sub(r"-(org|dup-\d+)$", "", row["rec_id"])].append(row["rec_id"])
    truth = {
        (a, b) if a < b else (b, a)
        for ids in groups.values()
        for a, b in itertools.combinations(ids, 2)
    }
    assert len(truth) == 500
    # Without birth dates (left out above to make it harder), names, place and document remain.
    assert _recall(records, truth) >= 0.97


def test_blocking_pairs_only_records_sharing_a_key_and_each_pair_once():
    records, _ = registry(400, seed=5)
    table = table_from(records)
    a, b = candidate_pairs(table)
    keys = keys_of_table(table)
    pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))
    assert all(x < y for x, y in pairs)
    # A record without a full birth date (an anchor) is also paired through keys not stored.
    dates = table.birth_date
    anchor = (dates == 0) | (dates % 10000 == 101)
    assert all(keys[x] & keys[y] for x, y in pairs if not (anchor[x] or anchor[y]))
    # ... and every pair sharing a key, since no block here is too large to pair.
    by_key: dict[str, list[int]] = defaultdict(list)
    for row, row_keys in enumerate(keys):
        for key in row_keys:
            by_key[key].append(row)
    sharing = {
        (x, y)
        for rows in by_key.values()
        if len(rows) <= 20
        for x, y in itertools.combinations(sorted(rows), 2)
    }
    assert sharing <= set(pairs)


def test_real_time_keys_find_what_batch_blocking_finds():
    records, truth = registry(300, seed=8)
    by_id = {record.id: record for record in records}
    shared = [bool(blocking_keys(by_id[a]) & blocking_keys(by_id[b])) for a, b in truth]
    assert sum(shared) / len(shared) >= 0.99


def test_large_blocks_are_left_to_the_other_keys():
    # 150 people sharing a name and a birth date, and nothing else: too many to pair.
    crowd = [
        PersonRecord(id=str(i), given_name="María", first_surname="López", birth_date=None)
        for i in range(150)
    ]
    a, _ = candidate_pairs(table_from(crowd))
    assert len(a) == 0


def _pairs(records: list[PersonRecord]) -> set[frozenset[str]]:
    table = table_from(records)
    a, b = candidate_pairs(table)
    return {
        frozenset((table.ids[x], table.ids[y])) for x, y in zip(a.tolist(), b.tolist(), strict=True)
    }


def _crowd(count: int, born: object) -> list[PersonRecord]:
    """*count* María López of Soyapango, the i-th born on ``born(i)``."""
    return [
        PersonRecord(
            id=f"c{i}",
            given_name="María",
            first_surname="López",
            municipality="Soyapango",
            birth_date=born(i),  # type: ignore[operator]
        )
        for i in range(count)
    ]


def test_a_registration_without_a_date_is_paired_with_its_namesakes_of_the_place():
    # 60 namesakes of one place, born in 60 different years: too many for any shared key.
    crowd = _crowd(60, lambda i: datetime.date(1940 + i, 1 + i % 12, 1 + i % 28))
    dateless = PersonRecord(
        id="x", given_name="Ma.", first_surname="LOPEZ", municipality="Soyapango", birth_date=None
    )
    elsewhere = PersonRecord(
        id="y", given_name="María", first_surname="López", municipality="Apopa", birth_date=None
    )
    pairs = _pairs([*crowd, dateless, elsewhere])
    assert {frozenset(("x", member.id)) for member in crowd} <= pairs
    # The anchor alone is paired: the namesakes are not paired with each other, nor with
    # someone of another place.
    assert all("x" in pair for pair in pairs)


def test_a_registration_known_only_to_the_year_is_paired_with_namesakes_born_that_year():
    crowd = _crowd(60, lambda i: datetime.date(1980, 1 + i % 12, 2 + i // 12))
    year_only = PersonRecord(
        id="x", given_name="María", first_surname="López", birth_date=datetime.date(1980, 1, 1)
    )
    other_year = PersonRecord(
        id="y", given_name="María", first_surname="López", birth_date=datetime.date(1981, 5, 6)
    )
    pairs = _pairs([*crowd, year_only, other_year])
    assert {frozenset(("x", member.id)) for member in crowd} <= pairs
    assert frozenset(("x", "y")) not in pairs


def test_anchored_keys_are_not_stored_for_real_time_look_ups():
    keys = blocking_keys(
        PersonRecord(id="x", given_name="María", first_surname="López", municipality="Apopa")
    )
    assert keys
    assert not any(key.startswith(("np:", "nq:")) for key in keys)


def test_both_surnames_and_the_day_pair_a_misspelt_given_name_a_year_off():
    first = PersonRecord(
        id="a",
        given_name="Rolando",
        first_surname="Arriaza",
        second_surname="Montoya",
        birth_date=datetime.date(1958, 4, 15),
    )
    again = PersonRecord(
        id="b",
        given_name="Rqlando",
        first_surname="Montoya",
        second_surname="Arriaza",
        birth_date=datetime.date(1959, 4, 15),
    )
    assert _pairs([first, again]) == {frozenset(("a", "b"))}
    assert {key.split(":")[0] for key in blocking_keys(first) & blocking_keys(again)} == {"sd"}
