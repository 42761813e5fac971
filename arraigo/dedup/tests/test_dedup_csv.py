import csv
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arraigo.dedup.management.commands.dedup_csv import Command

ROWS = [
    # id, given, surnames, birth, document, phone
    ("10", "María José", "Hernández López", "1985-03-04", "04567890-1", "+503 7012-3456"),
    ("11", "MA. JOSE", "Lopez Hernandez", "19850304", "045678901", "70123456"),
    ("12", "Pedro", "Amaya Zelaya", "19700101", "", ""),
    ("13", "Pedro", "Amaya", "1970-01-01", "", "7555 1234"),
    ("14", "Rosa", "Quintanilla", "2001-12-30", "71234567-0", ""),
    ("15", "Óscar", "Villatoro Cañas", "13/05/1990", "", ""),
    ("16", "Rosa", "Quintanilla", "1975-06-01", "", ""),
    ("17", "Rosa", "Quintanilla Amaya", "2001-12-03", "", ""),
]


@pytest.fixture
def people_csv(tmp_path):
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("code", "nombres", "apellidos", "nacimiento", "dui", "telefono"))
        writer.writerows(ROWS)
    return path


def run(people_csv, out, *extra: str) -> str:
    from io import StringIO

    stdout, stderr = StringIO(), StringIO()
    call_command(
        Command(),
        str(people_csv),
        "--id", "code",
        "--map", "given_name=nombres",
        "--map", "full_name=apellidos",
        "--map", "first_surname=apellidos",
        "--map", "birth_date=nacimiento",
        "--map", "document_number=dui",
        "--map", "phone=telefono",
        "--out", str(out),
        *extra,
        stdout=stdout,
        stderr=stderr,
    )  # fmt: skip
    return stdout.getvalue() + stderr.getvalue()


def read(out):
    return out.read_text(encoding="utf-8").splitlines()


def test_writes_the_pairs_of_the_same_person_in_the_exact_format(people_csv, tmp_path):
    out = tmp_path / "pairs.csv"
    message = run(people_csv, out)
    lines = read(out)
    assert lines[0] == "id_a,id_b,probability"
    pairs = [line.split(",") for line in lines[1:]]
    assert [(a, b) for a, b, _ in pairs] == [("10", "11"), ("12", "13")]
    for _, _, probability in pairs:
        assert len(probability.split(".")[1]) == 6
        assert 0.0 <= float(probability) <= 1.0
    assert float(pairs[0][2]) >= float(pairs[1][2])
    assert "8 records" in message
    assert "2 pairs" in message
    # Row 7 holds 13/05/1990: neither accepted format.
    assert "1 birth dates" in message
    assert "rows 7" in message


def test_threshold_keeps_only_pairs_at_or_above_it(people_csv, tmp_path):
    everything = tmp_path / "all.csv"
    run(people_csv, everything, "--threshold", "0")
    probabilities = sorted({float(line.split(",")[2]) for line in read(everything)[1:]})
    assert len(probabilities) >= 3
    # A threshold between the two lowest probabilities drops exactly the lowest pair.
    cut_value = (probabilities[0] + probabilities[1]) / 2
    cut = tmp_path / "cut.csv"
    run(people_csv, cut, "--threshold", f"{cut_value:.8f}")
    kept = [float(line.split(",")[2]) for line in read(cut)[1:]]
    assert sorted(set(kept)) == probabilities[1:]
    assert len(kept) == len(read(everything)) - 2
    default = tmp_path / "default.csv"
    run(people_csv, default)
    assert len(read(default)) < len(read(everything))
    strict = tmp_path / "strict.csv"
    run(people_csv, strict, "--threshold", "1")
    assert read(strict) == ["id_a,id_b,probability"]


def test_a_saved_model_is_used_again(people_csv, tmp_path):
    model_path = tmp_path / "model.json"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    run(people_csv, first, "--save-model", str(model_path))
    assert json.loads(model_path.read_text())["format"] == 1
    run(people_csv, second, "--model", str(model_path))
    assert read(first) == read(second)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--map", "nickname=nombres"], "Unknown field 'nickname'"),
        (["--map", "given_name"], "FIELD=COLUMN"),
        (["--map", "given_name=nombre"], "No column 'nombre'; the columns are: code, nombres"),
        (["--map", "given_name=nombres", "--threshold", "1.5"], "between 0 and 1"),
    ],
)
def test_bad_arguments_are_explained(people_csv, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            Command(), str(people_csv), "--id", "code", "--out", str(tmp_path / "x.csv"),
            *arguments,
        )  # fmt: skip


def test_repeated_ids_are_refused(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("id,name\n1,Ana\n1,Ana\n", encoding="utf-8")
    with pytest.raises(CommandError, match="appears twice"):
        call_command(
            Command(), str(path), "--id", "id", "--map", "full_name=name",
            "--out", str(tmp_path / "x.csv"),
        )  # fmt: skip
