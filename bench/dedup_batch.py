"""One engine deduplicating one CSV of registrations, in its own process, measured.

    python bench/dedup_batch.py ours|splink REGISTRATIONS.csv RESULT.json

Wall time covers reading the CSV, learning the model without labels, blocking, scoring every
candidate pair and collecting the pairs at or above the engine's threshold. Peak memory is the
process's maximum resident set size (``ru_maxrss``, DuckDB's memory included, since it runs in
the process). Checks against the ``cluster`` column (truth) are made after the clock stops.
"""

import csv
import itertools
import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ENGINE_FIELDS = (
    "given_name", "second_given_name", "first_surname", "second_surname", "sex", "birth_date",
    "document_number", "phone", "address", "municipality", "postcode",
)  # fmt: skip


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def truth_pairs(path: str) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            groups[row["cluster"]].append(row["id"])
    return {
        (a, b) if a < b else (b, a)
        for members in groups.values()
        for a, b in itertools.combinations(members, 2)
    }


def _named_pairs(ids: list[str], a: np.ndarray, b: np.ndarray) -> set[tuple[str, str]]:
    """Pairs of row numbers as pairs of record ids, the smaller id first."""
    return {
        (ids[x], ids[y]) if ids[x] < ids[y] else (ids[y], ids[x])
        for x, y in zip(a.tolist(), b.tolist(), strict=True)
    }


def run_ours(path: str) -> dict[str, object]:
    from arraigo.dedup.engine import candidate_pairs, score_table
    from arraigo.dedup.engine.csv_input import table_from_csv
    from arraigo.dedup.engine.training import fit

    started = time.perf_counter()
    table, _ = table_from_csv(path, id_column="id", mapping={name: name for name in ENGINE_FIELDS})
    loaded = time.perf_counter()
    pairs = candidate_pairs(table)
    blocked = time.perf_counter()
    model = fit(table, pairs, seed=0)
    trained = time.perf_counter()
    found = []
    scoring = score_table(model, table, pairs=pairs)
    for chunk in scoring:
        found.append((chunk.a, chunk.b))
    finished = time.perf_counter()
    peak = peak_rss_mib()

    ids = table.ids
    predicted = set().union(*(_named_pairs(ids, a, b) for a, b in found))
    blocked_pairs = _named_pairs(ids, *pairs)
    completing = _named_pairs(ids, *scoring.completing)
    truth = truth_pairs(path)
    return {
        "engine": "ours",
        "records": len(table),
        "wall_seconds": finished - started,
        "seconds": {
            "read": loaded - started,
            "blocking": blocked - loaded,
            "training": trained - blocked,
            "scoring": finished - trained,
        },
        "pairs_scored": scoring.pairs_compared,
        "pairs_completing_groups": len(completing),
        "peak_rss_mib": peak,
        "threshold": model.threshold,
        "blocking_recall": len((blocked_pairs | completing) & truth) / len(truth),
        "key_recall": len(blocked_pairs & truth) / len(truth),
        **_accuracy(predicted, truth),
    }


def run_splink(path: str) -> dict[str, object]:
    import duckdb
    import splink_models

    started = time.perf_counter()
    con = duckdb.connect()
    run = splink_models.spanish_linker(path, con)
    trained = time.perf_counter()
    predictions = run.linker.inference.predict(threshold_match_probability=0.5)
    rows = (
        predictions.as_duckdbpyrelation()
        .select("unique_id_l, unique_id_r, match_probability")
        .fetchall()
    )
    finished = time.perf_counter()
    peak = peak_rss_mib()

    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    counts = count_comparisons_from_blocking_rules(
        splink_models.DuckDBAPI(connection=con).register(splink_models.spanish_relation(con, path)),
        blocking_rules=splink_models.SPANISH_BLOCKING,
        link_type="dedupe_only",
        record_sample_proportion=1.0,
    )
    pairs_scored = int(counts[-1]["cumulative_comparison_count"])
    predicted = {(a, b) if a < b else (b, a) for a, b, _ in rows}
    truth = truth_pairs(path)
    records, cleaned = _cleaned(con, path, truth)
    caught = sum(1 for a, b in truth if splink_models.spanish_blocking_hit(cleaned[a], cleaned[b]))
    return {
        "engine": "splink",
        "records": records,
        "wall_seconds": finished - started,
        "seconds": {
            "read_and_training": trained - started,
            "blocking_and_scoring": finished - trained,
        },
        "pairs_scored": pairs_scored,
        "peak_rss_mib": peak,
        "threshold": 0.5,
        "blocking_recall": caught / len(truth),
        **_accuracy(predicted, truth),
    }


def _cleaned(
    con: object, path: str, truth: set[tuple[str, str]]
) -> tuple[int, dict[str, dict[str, object]]]:
    """How many records Splink read, and those of the true pairs as Splink cleaned them."""
    import splink_models

    relation = splink_models.spanish_relation(con, path)  # type: ignore[arg-type]
    wanted = {record_id for pair in truth for record_id in pair}
    columns = relation.columns
    rows = relation.fetchall()
    cleaned = {row[0]: dict(zip(columns, row, strict=True)) for row in rows if row[0] in wanted}
    return len(rows), cleaned


def _accuracy(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    true_positives = len(predicted & truth)
    precision = true_positives / len(predicted) if predicted else 0.0
    recall = true_positives / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs_found": len(predicted)}


if __name__ == "__main__":
    engine, csv_path, out = sys.argv[1:4]
    result = run_ours(csv_path) if engine == "ours" else run_splink(csv_path)
    Path(out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
