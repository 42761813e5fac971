import datetime
import json
import math

import numpy as np
import pytest

from arraigo.dedup.engine import (
    Model,
    PersonRecord,
    batch,
    candidate_pairs,
    deduplicate,
    match_one,
    score,
    table_from,
    train,
)
from arraigo.dedup.engine.batch import pairs_completing_groups, score_table
from arraigo.dedup.tests.synthetic import registry

BORN = datetime.date(1985, 3, 4)


def person(record_id: str = "a", **fields: object) -> PersonRecord:
    defaults: dict[str, object] = {
        "given_name": "María José",
        "first_surname": "Hernández",
        "second_surname": "López",
        "sex": "F",
        "birth_date": BORN,
    }
    return PersonRecord(id=record_id, **{**defaults, **fields})  # type: ignore[arg-type]


def level(pair, field: str) -> str:
    return next(c.level for c in pair.comparisons if c.field == field)


def weight(pair, field: str) -> float:
    return next(c.weight for c in pair.comparisons if c.field == field)


@pytest.fixture(scope="module")
def trained():
    records, truth = registry(2500, seed=3)
    return train(records, seed=0), records, truth


def test_spanish_variants_reach_their_levels():
    model = Model.default()
    pair = score(model, person(), person("b", given_name="MA. JOSE", first_surname="Lopez",
                                           second_surname="Hernandez"))  # fmt: skip
    assert level(pair, "given_names") == "exact"
    assert level(pair, "surnames") == "same_sound_or_swapped"
    dropped = score(model, person(), person("b", second_surname=""))
    assert level(dropped, "surnames") == "one_dropped"
    typo = score(model, person(), person("b", first_surname="Hernándes"))
    assert level(typo, "surnames") == "same_sound_or_swapped"
    shared = score(model, person(), person("b", given_name="María"))
    assert level(shared, "given_names") == "one_name_shared"


def test_birth_date_levels():
    model = Model.default()

    def birth(other: datetime.date | None) -> str:
        return level(score(model, person(), person("b", birth_date=other)), "birth_date")

    assert birth(BORN) == "exact"
    assert birth(datetime.date(1985, 4, 3)) == "one_typo"  # day and month swapped
    assert birth(datetime.date(1986, 3, 4)) == "one_typo"
    assert birth(datetime.date(1985, 7, 20)) == "within_a_year"
    assert birth(datetime.date(1989, 3, 1)) == "within_five_years"
    assert birth(datetime.date(1960, 11, 30)) == "different"
    assert birth(None) == "missing"


def test_a_document_match_counts_strongly_and_a_conflict_against():
    model = Model.default()
    base = score(model, person(), person("b"))
    same = score(
        model, person(document_number="04567890-1"), person("b", document_number="045678901")
    )
    typo = score(
        model, person(document_number="04567890-1"), person("b", document_number="04567980-1")
    )
    conflict = score(
        model, person(document_number="04567890-1"), person("b", document_number="71234567-0")
    )
    assert level(same, "document_number") == "exact"
    assert weight(same, "document_number") > 10
    assert level(typo, "document_number") == "one_typo"
    assert level(conflict, "document_number") == "conflict"
    assert weight(conflict, "document_number") < -5
    assert same.probability > typo.probability > base.probability > conflict.probability


def test_missing_fields_weigh_nothing_and_are_explained():
    pair = score(Model.default(), person(), person("b", phone=""))
    phone = next(c for c in pair.comparisons if c.field == "phone")
    assert phone.level == "missing"
    assert phone.weight == 0
    assert "no phone" in phone.explanation


def test_the_explanation_adds_up_to_the_probability(trained):
    model, records, _ = trained
    pair = score(model, records[0], records[1])
    total = sum(c.weight for c in pair.comparisons) + model.prior_weight
    assert math.isclose(pair.probability, 1 / (1 + 2**-total), rel_tol=1e-3, abs_tol=1e-9)


def test_probability_grows_with_each_agreement():
    model = Model.default()
    bare = person(
        given_name="Rosa", first_surname="Amaya", second_surname="", sex="", birth_date=None
    )
    steps = [
        {},
        {"birth_date": BORN},
        {"birth_date": BORN, "phone": "7012 3456"},
        {"birth_date": BORN, "phone": "7012 3456", "document_number": "04567890-1"},
    ]
    probabilities = [
        score(model, PersonRecord(**{**bare.__dict__, **extra}),
              PersonRecord(**{**bare.__dict__, **extra, "id": "b"})).probability
        for extra in steps
    ]  # fmt: skip
    assert probabilities == sorted(probabilities)
    assert probabilities[0] < probabilities[-1]


def test_common_names_count_less_than_rare_ones(trained):
    model, _, _ = trained
    common = score(model, person(given_name="María", second_surname=""),
                   person("b", given_name="María", second_surname=""))  # fmt: skip
    rare = score(model, person(given_name="Moisés", second_surname=""),
                 person("b", given_name="Moisés", second_surname=""))  # fmt: skip
    assert weight(common, "given_names") < weight(rare, "given_names")
    assert "common" in next(c.explanation for c in common.comparisons if c.field == "given_names")


def test_training_finds_the_duplicates_of_a_labelled_sample(trained):
    model, records, truth = trained
    found = {
        (p.id_a, p.id_b) if p.id_a < p.id_b else (p.id_b, p.id_a)
        for p in deduplicate(records, model=model)
    }
    true_positives = len(found & truth)
    precision, recall = true_positives / len(found), true_positives / len(truth)
    assert precision > 0.97
    assert recall > 0.95
    assert 0.05 <= model.threshold <= 0.95


def test_probabilities_are_calibrated_on_a_labelled_sample(trained):
    model, records, truth = trained
    table = table_from(records)
    ids = table.ids
    probabilities, labels = [], []
    for chunk in score_table(model, table, threshold=0.0, pairs=candidate_pairs(table)):
        for a, b, probability in zip(chunk.a, chunk.b, chunk.probability, strict=True):
            key = (ids[a], ids[b]) if ids[a] < ids[b] else (ids[b], ids[a])
            probabilities.append(probability)
            labels.append(key in truth)
    p = np.asarray(probabilities)
    y = np.asarray(labels, dtype=float)
    # Expected calibration error over ten bins of probability, weighted by pairs in the bin.
    bins = np.minimum((p * 10).astype(int), 9)
    error = sum(
        abs(p[bins == b].mean() - y[bins == b].mean()) * np.count_nonzero(bins == b)
        for b in range(10)
        if np.any(bins == b)
    ) / len(p)
    assert error < 0.02
    confident = p >= 0.9
    assert y[confident].mean() > 0.95
    assert y[p < 0.1].mean() < 0.02


def test_a_model_survives_json(trained):
    model, records, _ = trained
    stored = json.loads(json.dumps(model.to_json()))
    again = Model.from_json(stored)
    assert again.threshold == model.threshold
    assert score(again, records[0], records[5]) == score(model, records[0], records[5])


def test_a_stored_model_of_another_format_is_refused():
    with pytest.raises(ValueError, match="model"):
        Model.from_json({"format": 99})


def test_match_one_returns_the_best_candidates_first():
    model = Model.default()
    new = person("new", document_number="04567890-1")
    same = person("same", given_name="Ma José", document_number="045678901")
    near = person("near", second_surname="")
    other = person("other", given_name="Pedro", first_surname="Amaya", sex="M",
                   birth_date=datetime.date(1950, 1, 1))  # fmt: skip
    found = match_one(model, new, [other, near, same, new])
    assert [pair.id_b for pair in found] == ["same", "near"]
    assert found[0].probability >= found[1].probability
    assert match_one(model, new, [other, near, same], limit=1)[0].id_b == "same"
    assert match_one(model, new, [near], threshold=0.999999999) == []


def test_deduplicate_takes_columns_and_reports_progress():
    columns = {
        "id": ["1", "2", "3"],
        "given_name": ["Ana", "ANA", "Pedro"],
        "first_surname": ["Amaya", "Amaya", "Zelaya"],
        "birth_date": ["1990-01-02", "19900102", "1970-05-05"],
        "document_number": ["12345678-9", "123456789", ""],
    }
    done: list[float] = []
    pairs = list(deduplicate(columns, progress=done.append))
    assert [(p.id_a, p.id_b) for p in pairs] == [("1", "2")]
    assert done[0] == 0.0
    assert done[-1] == 1.0
    assert done == sorted(done)


def _as_pairs(*pairs: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.asarray([a for a, _ in pairs], dtype=np.int32),
        np.asarray([b for _, b in pairs], dtype=np.int32),
    )


def test_the_pairs_completing_a_group_are_scored_too():
    # One person registered three times: the first registration was compared with each of the
    # others, the two later ones with each other never (no shared key, say).
    records = [
        person("first", document_number="04567890-1", phone="7012 3456"),
        person("again", document_number="04567890-1", phone="7012 3456"),
        person("third", document_number="04567890-1", phone="7012 3456"),
    ]
    table = table_from(records)
    scoring = score_table(Model.default(), table, pairs=_as_pairs((0, 1), (0, 2)))
    found = {
        (table.ids[a], table.ids[b])
        for chunk in scoring
        for a, b in zip(chunk.a.tolist(), chunk.b.tolist(), strict=True)
    }
    assert found == {("first", "again"), ("first", "third"), ("again", "third")}
    assert [side.tolist() for side in scoring.completing] == [[1], [2]]
    assert scoring.pairs_compared == 3


def test_groups_complete_only_their_missing_pairs_and_only_while_small():
    links = [_as_pairs((0, 1), (1, 2), (5, 6))]
    a, b = pairs_completing_groups(30, links, compared=_as_pairs((0, 1), (1, 2)))
    # Group {0, 1, 2} lacks (0, 2); {5, 6} is a pair, complete already.
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 2)]
    chain = [_as_pairs(*((i, i + 1) for i in range(batch.MAX_GROUP)))]
    a, _ = pairs_completing_groups(30, chain, compared=_as_pairs())
    assert len(a) == 0  # a chain of MAX_GROUP + 1 look-alikes is not one person
