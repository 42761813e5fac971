"""The engine's shortcuts give the answers of the long way: swapped dates found by blocking,
edit distances ruled out by counting characters, chunks scored in threads, CSV read in SQL."""

import csv
import datetime
import random

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein

from arraigo.dedup.engine import (
    Model,
    PersonRecord,
    blocking_keys,
    candidate_pairs,
    score_table,
    table_from,
    table_from_csv,
)
from arraigo.dedup.engine import batch as batch_module
from arraigo.dedup.engine.comparisons import _character_counts, _surely_farther, compare
from arraigo.dedup.engine.normalise import Column
from arraigo.dedup.tests.synthetic import registry


def _person(id: str, **fields: object) -> PersonRecord:
    return PersonRecord(id=id, **fields)  # type: ignore[arg-type]


def test_day_and_month_swapped_share_a_key():
    written = _person(
        "a", given_name="Rosa", first_surname="Reyes", birth_date=datetime.date(1944, 3, 7)
    )
    swapped = _person(
        "b", given_name="Rosa", first_surname="Reyes", birth_date=datetime.date(1944, 7, 3)
    )
    shared = blocking_keys(written) & blocking_keys(swapped)
    assert {key.split(":")[0] for key in shared} >= {"sw"}


def test_a_day_past_twelve_cannot_be_a_month_so_has_no_swap_key():
    keys = blocking_keys(
        _person(
            "a", given_name="Rosa", first_surname="Reyes", birth_date=datetime.date(1944, 3, 17)
        )
    )
    assert not [key for key in keys if key.startswith("sw:")]


def test_swapped_dates_are_candidates_despite_a_common_name():
    # Fifty-one others share the name and the birth month, more than a block holds: only the
    # swap key, held by the two alone, pairs them.
    others = [
        _person(
            f"o{day}",
            given_name="José",
            first_surname="Hernández",
            birth_date=datetime.date(1962, 2, 1 + day % 28),
        )
        for day in range(51)
    ]
    first = _person(
        "x", given_name="José", first_surname="Hernández", birth_date=datetime.date(1962, 2, 6)
    )
    second = _person(
        "y", given_name="José", first_surname="Hernández", birth_date=datetime.date(1962, 6, 2)
    )
    table = table_from([*others, first, second])
    a, b = candidate_pairs(table)
    pairs = {(table.ids[x], table.ids[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)}
    assert ("x", "y") in pairs


def test_character_counts_of_digits_letters_and_accents():
    counts = _character_counts(["", "112", "A9ñ"])
    assert counts[0].tolist() == [0] * 11
    assert counts[1].tolist() == [0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert counts[2].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]


def test_counting_characters_rules_out_only_pairs_beyond_the_distance():
    rng = random.Random(3)
    values = [""]
    for _ in range(300):
        number = "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 9)))
        values.append(number)
        # Near misses: a digit changed, two swapped, one dropped, a letter added.
        position = rng.randrange(len(number))
        values.append(number[:position] + rng.choice("0123456789") + number[position + 1 :])
        values.append(number[:position] + number[position + 1 :])
        values.append(number[::-1][:2] + number[2:] + "X")
    column = Column(np.arange(len(values), dtype=np.int32), values)
    left, right = np.triu_indices(len(values), 1)
    left, right = left.astype(np.int32), right.astype(np.int32)
    for distance in (1, 2):
        ruled_out = _surely_farther(column, left, right, distance)
        assert ruled_out.mean() > 0.5
        checked = zip(
            left[ruled_out][:20000].tolist(), right[ruled_out][:20000].tolist(), strict=True
        )
        for x, y in checked:
            assert DamerauLevenshtein.distance(values[x], values[y]) > distance


def test_threads_score_large_inputs_as_one_thread_does(monkeypatch):
    records, _ = registry(1500, seed=5)
    table = table_from(records)
    model = Model.default()
    pairs = candidate_pairs(table)
    monkeypatch.setattr(batch_module, "CHUNK_PAIRS", 997)

    def found(threads: int) -> list[tuple[int, int, float]]:
        monkeypatch.setattr(batch_module, "SCORING_THREADS", threads)
        return [
            (a, b, p)
            for chunk in score_table(model, table, pairs=pairs, threshold=0.0)
            for a, b, p in zip(
                chunk.a.tolist(), chunk.b.tolist(), chunk.probability.tolist(), strict=True
            )
        ]

    assert len(pairs[0]) > 3 * 997
    assert found(2) == found(1)


def test_a_small_input_is_scored_without_threads(monkeypatch):
    records, _ = registry(200, seed=5)
    table = table_from(records)

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a thread pool was started")

    monkeypatch.setattr(batch_module, "ThreadPoolExecutor", no_pool)
    assert list(score_table(Model.default(), table, threshold=0.0))


def test_csv_reading_gives_the_table_of_the_records(tmp_path):
    records, _ = registry(400, seed=8)
    path = tmp_path / "people.csv"
    fields = [
        "given_name", "second_given_name", "first_surname", "second_surname", "sex",
        "birth_date", "document_number", "phone", "address", "municipality", "postcode",
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *fields])
        for record in records:
            writer.writerow(
                [
                    record.id,
                    *("" if getattr(record, f) is None else getattr(record, f) for f in fields),
                ]
            )
    from_csv, report = table_from_csv(path, id_column="id", mapping={f: f for f in fields})
    from_records = table_from(records)
    assert report.unreadable_dates == []
    assert from_csv.ids == from_records.ids
    left, right = (np.asarray(side, dtype=np.int32) for side in np.triu_indices(120, 1))
    assert (compare(from_csv, left, right) == compare(from_records, left, right)).all()
