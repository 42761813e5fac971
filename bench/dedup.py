"""Duplicate detection: our engine and Splink 5 side by side, on this machine, in one run.

    make bench-dedup                                   # everything, figures into docs/benchmarks.md
    python bench/dedup.py --only accuracy              # one part: accuracy, batch or realtime

* Accuracy: pairwise precision, recall and F1 at each engine's default threshold (ours: the
  model's own, learned without labels; Splink: match probability 0.5) on FEBRL1–4 and on a
  generated Spanish-name registry (bench/spanish_people.py, 20,000 registrations).
* Batch: a generated registry of 1,250,000 registrations, each engine in its own process
  (bench/dedup_batch.py): wall time, pairs scored per second, peak memory, blocking recall.
* Real time: one new registration against 2,000,000 people stored in PostgreSQL and in SQLite
  (bench/dedup_realtime.py).

Run with the ``bench`` dependency group (Splink) installed; ``make bench-dedup`` does that in
its own environment (.venv-bench) and starts a throwaway PostgreSQL.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import febrl  # noqa: E402
import spanish_people  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Duplicate detection"
SPANISH_ACCURACY = 20_000
BATCH_RECORDS = 1_250_000


def accuracy() -> list[dict[str, object]]:
    """F1, precision and recall of both engines on each labelled set."""
    import duckdb
    import splink_models

    from arraigo.dedup.engine import candidate_pairs, score_table, table_from
    from arraigo.dedup.engine.csv_input import table_from_csv
    from arraigo.dedup.engine.training import fit

    rows_out: list[dict[str, object]] = []
    sets: list[tuple[str, object]] = [(name, None) for name in febrl.SETS]
    spanish_path = RESULTS / f"spanish_{SPANISH_ACCURACY}.csv"
    if not spanish_path.exists():
        spanish_people.write_csv(spanish_path, SPANISH_ACCURACY, seed=7)
    sets.append(("Spanish names (generated)", spanish_path))
    for name, path in sets:
        if path is None:
            rows = febrl.read_rows(name)
            link = name == "FEBRL4"
            truth = febrl.true_pairs(rows, link=link)
            source = {row["rec_id"]: row["source"] for row in rows}
            table = table_from(febrl.columns(rows))
        else:
            link = False
            truth = _spanish_truth(Path(str(path)))
            fields = spanish_people.HEADER[1:-1]
            table, _ = table_from_csv(
                str(path), id_column="id", mapping={field: field for field in fields}
            )
            source = {}
        started = time.perf_counter()
        pairs = candidate_pairs(table)
        model = fit(table, pairs)
        ours = set()
        for chunk in score_table(model, table, pairs=pairs):
            for a, b in zip(chunk.a.tolist(), chunk.b.tolist(), strict=True):
                pair = febrl.ordered(table.ids[a], table.ids[b])
                if not link or source[pair[0]] != source[pair[1]]:
                    ours.add(pair)
        ours_seconds = time.perf_counter() - started

        started = time.perf_counter()
        if path is not None:
            con = duckdb.connect()
            run = splink_models.spanish_linker(str(path), con)
            predictions = run.linker.inference.predict(threshold_match_probability=0.5)
            scored = [
                (str(a), str(b), float(p))
                for a, b, p in predictions.as_duckdbpyrelation()
                .select("unique_id_l, unique_id_r, match_probability")
                .fetchall()
            ]
        elif link:
            scored = splink_models.febrl_link(
                str(febrl.DATA / "dataset4a.csv"), str(febrl.DATA / "dataset4b.csv")
            )
        else:
            scored = splink_models.febrl_dedupe(str(febrl.DATA / febrl.SETS[name][0]))
        splink_seconds = time.perf_counter() - started
        splink = {febrl.ordered(a, b) for a, b, probability in scored if probability >= 0.5}
        rows_out.append(
            {
                "set": name,
                "records": len(table),
                "true_pairs": len(truth),
                "ours": {
                    **_scores(ours, truth),
                    "seconds": ours_seconds,
                    "threshold": model.threshold,
                },
                "splink": {**_scores(splink, truth), "seconds": splink_seconds, "threshold": 0.5},
            }
        )
        print(json.dumps(rows_out[-1]), flush=True)
    return rows_out


def _spanish_truth(path: Path) -> set[tuple[str, str]]:
    from dedup_batch import truth_pairs

    return truth_pairs(str(path))


def _scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 0.0
    recall = true_positives / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def batch() -> dict[str, dict[str, object]]:
    """Both engines on the 1,250,000 registrations, each in its own process, one after the
    other."""
    path = RESULTS / f"registry_{BATCH_RECORDS}.csv"
    if not path.exists():
        spanish_people.write_csv(path, BATCH_RECORDS, seed=2026)
    results = {}
    for engine in ("ours", "splink"):
        out = RESULTS / f"batch_{engine}.json"
        subprocess.run(  # noqa: S603 - our own script
            [sys.executable, str(ROOT / "bench" / "dedup_batch.py"), engine, str(path), str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        results[engine] = json.loads(out.read_text())
        print(json.dumps(results[engine]), flush=True)
    return results


def realtime() -> dict[str, object]:
    import dedup_realtime

    return dedup_realtime.run(RESULTS)


# --- report ----------------------------------------------------------------------------------


def _machine() -> list[str]:
    import numpy
    import rapidfuzz
    import splink

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return [
        "| Machine | |",
        "|---|---|",
        f"| CPU | {cpu} |",
        f"| Cores | {os.cpu_count()} |",
        f"| RAM | {memory:.0f} GiB |",
        f"| Python | {platform.python_version()} |",
        f"| NumPy / rapidfuzz | {numpy.__version__} / {rapidfuzz.__version__} |",
        f"| Splink | {splink.__version__} (DuckDB {_duckdb_version()}) |",
    ]


def _duckdb_version() -> str:
    import duckdb

    return str(duckdb.__version__)


def _mark(met: bool) -> str:
    return "yes" if met else "**no**"


PART_NAMES = {"accuracy": "accuracy", "batch": "batch", "realtime": "real time"}


def _run_dates(results: dict[str, object]) -> str:
    """When each part was measured last: a part run again alone (--only) has a date of its own."""
    run_on = results.get("run_on")
    if not isinstance(run_on, dict) or not run_on:
        return datetime.date.today().isoformat()
    by_date: dict[str, list[str]] = {}
    for part in ("accuracy", "batch", "realtime"):
        if part in run_on:
            by_date.setdefault(run_on[part], []).append(PART_NAMES[part])
    if len(by_date) == 1:
        return next(iter(by_date))
    return " and ".join(f"{date} ({', '.join(names)})" for date, names in sorted(by_date.items()))


def report(results: dict[str, object]) -> str:
    lines = [SECTION, ""]
    lines.append(
        f"Run on {_run_dates(results)}: `make bench-dedup` (`bench/dedup.py`), our "
        "engine (`arraigo.dedup.engine`) and Splink 5 with its DuckDB backend, one after the "
        "other on the same machine in each part's run. Load average (1 min) before and after the "
        f"last run: {results['load_before']:.1f} and {os.getloadavg()[0]:.1f}."
    )
    lines += ["", *_machine(), ""]
    accuracy_rows = results.get("accuracy")
    if isinstance(accuracy_rows, list):
        lines += [
            "### Accuracy",
            "",
            "Pairwise, at each engine's default threshold: ours is the model's own (learned "
            "without labels: the threshold that maximises the F1 score the model expects), "
            "Splink's is a match probability of 0.5. Splink is set up as its documentation "
            "does: FEBRL3's example for FEBRL1–3, FEBRL4's detailed model for FEBRL4 (a link "
            "between the two files: pairs within one file are not counted for either engine), "
            "and its 50k-synthetic example, adapted, for the Spanish names (see "
            "`bench/splink_models.py`). Target: our F1 ≥ Splink's on every set, FEBRL3 ≥ 0.995.",
            "",
            "| Set | Records | True pairs | Ours F1 | Ours precision | Ours recall | Ours "
            "threshold | Ours time (s) | Splink F1 | Splink precision | Splink recall | Splink "
            "time (s) | Met |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
        ]
        for row in accuracy_rows:
            ours, splink = row["ours"], row["splink"]
            met = ours["f1"] >= splink["f1"] and (row["set"] != "FEBRL3" or ours["f1"] >= 0.995)
            lines.append(
                f"| {row['set']} | {row['records']:,} | {row['true_pairs']:,} | "
                f"{ours['f1']:.4f} | {ours['precision']:.4f} | {ours['recall']:.4f} | "
                f"{ours['threshold']:.2f} | {ours['seconds']:.1f} | "
                f"{splink['f1']:.4f} | {splink['precision']:.4f} | {splink['recall']:.4f} | "
                f"{splink['seconds']:.1f} | {_mark(met)} |"
            )
        lines.append("")
    batch_results = results.get("batch")
    if isinstance(batch_results, dict):
        ours, splink = batch_results["ours"], batch_results["splink"]
        ours_rate = ours["pairs_scored"] / ours["wall_seconds"]
        splink_rate = splink["pairs_scored"] / splink["wall_seconds"]
        lines += [
            "### Batch: 1,250,000 registrations",
            "",
            "A generated registry (`bench/spanish_people.py`, seed 2026: 1,250,000 "
            "registrations of about 1.03 million people). Each engine runs in its own process "
            "(`bench/dedup_batch.py`): wall time from reading the CSV to having every pair at "
            "or above its threshold (learning the model without labels included), pairs "
            "scored = pairs compared on every field: for ours, the pairs sharing a blocking "
            "key and then those completing the groups of likely pairs; peak memory = the "
            "process's maximum resident set (`ru_maxrss`, DuckDB's memory included). Blocking "
            "recall = share of the true pairs among the pairs compared (for Splink: pairs "
            "satisfying one of its blocking rules).",
            "",
            "| Measurement | Ours | Splink | Ratio | Target | Met |",
            "|---|---:|---:|---:|---|:---:|",
            f"| Records | {ours['records']:,} | {splink['records']:,} | | | |",
            f"| Wall time (s) | {ours['wall_seconds']:.1f} | {splink['wall_seconds']:.1f} | "
            f"{ours['wall_seconds'] / splink['wall_seconds']:.2f} | ≤ 0.5× Splink | "
            f"{_mark(ours['wall_seconds'] <= 0.5 * splink['wall_seconds'])} |",
            f"| Pairs scored | {ours['pairs_scored']:,} | {splink['pairs_scored']:,} | | | |",
            f"| Pairs scored per second | {ours_rate:,.0f} | {splink_rate:,.0f} | "
            f"{ours_rate / splink_rate:.1f} | ≥ 2× Splink | "
            f"{_mark(ours_rate >= 2 * splink_rate)} |",
            f"| Peak memory (MiB) | {ours['peak_rss_mib']:,.0f} | {splink['peak_rss_mib']:,.0f} | "
            f"{ours['peak_rss_mib'] / splink['peak_rss_mib']:.2f} | ≤ 0.5× Splink | "
            f"{_mark(ours['peak_rss_mib'] <= 0.5 * splink['peak_rss_mib'])} |",
            f"| Blocking recall | {ours['blocking_recall']:.4f} | {splink['blocking_recall']:.4f} "
            f"| | ≥ 0.998 | {_mark(ours['blocking_recall'] >= 0.998)} |",
            f"| … of which by blocking keys alone | {ours['key_recall']:.4f} | | | | |",
            f"| Pairs completing groups (ours) | {ours['pairs_completing_groups']:,} | | | | |",
            f"| F1 / precision / recall | {ours['f1']:.4f} / {ours['precision']:.4f} / "
            f"{ours['recall']:.4f} | {splink['f1']:.4f} / {splink['precision']:.4f} / "
            f"{splink['recall']:.4f} | | | |",
            "",
            f"Our time by step (s): reading {ours['seconds']['read']:.1f}, blocking "
            f"{ours['seconds']['blocking']:.1f}, learning {ours['seconds']['training']:.1f}, "
            f"scoring {ours['seconds']['scoring']:.1f}. Splink's: reading and learning "
            f"{splink['seconds']['read_and_training']:.1f}, blocking and scoring "
            f"{splink['seconds']['blocking_and_scoring']:.1f}.",
            "",
        ]
    realtime_results = results.get("realtime")
    if isinstance(realtime_results, dict):
        lines += _realtime_lines(realtime_results)
    return "\n".join(lines).rstrip() + "\n"


def _realtime_lines(results: dict[str, object]) -> list[str]:
    lines = [
        "### Real time: one new registration against 2,000,000 people",
        "",
        str(results["description"]),
        "",
        "| Measurement | Look-ups | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | candidates "
        "(median) | target (p95) | Met |",
        "|---|---:|---:|---:|---:|---:|---:|---|:---:|",
    ]
    for row in results["rows"]:  # type: ignore[attr-defined]
        target = row.get("target")
        met = "" if target is None else _mark(row["p95"] <= target)
        lines.append(
            f"| {row['name']} | {row['lookups']} | {row['p50']:.1f} | {row['p95']:.1f} | "
            f"{row['p99']:.1f} | {row['max']:.1f} | {row['candidates']} | "
            f"{'' if target is None else f'≤ {target} ms'} | {met} |"
        )
    lines += ["", str(results.get("notes", "")), ""]
    return lines


def write_docs(text: str) -> None:
    current = DOCS.read_text(encoding="utf-8")
    if SECTION in current:
        before, _, after = current.partition(SECTION)
        following = after.find("\n## ")
        rest = after[following + 1 :] if following >= 0 else ""
        updated = before.rstrip() + "\n\n" + text + ("\n" + rest if rest else "")
    else:
        updated = current.rstrip() + "\n\n" + text
    DOCS.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("accuracy", "batch", "realtime"), action="append")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md.")
    arguments = parser.parse_args()
    parts = arguments.only or ["accuracy", "batch", "realtime"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = RESULTS / "dedup.json"
    results: dict[str, object] = json.loads(saved.read_text()) if saved.exists() else {}
    results["load_before"] = os.getloadavg()[0]
    # Saved after each part, so that a part can be run again alone (--only) and a failure
    # keeps what was measured before it.
    for part, measure in (("accuracy", accuracy), ("batch", batch), ("realtime", realtime)):
        if part in parts:
            results[part] = measure()
            results.setdefault("run_on", {})[part] = datetime.date.today().isoformat()
            saved.write_text(json.dumps(results, indent=2))
    text = report(results)
    print(text)
    if not arguments.no_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
