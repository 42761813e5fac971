"""Real-time duplicate check: one new registration against 2,000,000 people in a database.

The people are stored in a simple table of the benchmark's own (``dedup_bench_person``), and
their blocking keys in an indexed (key, person) table (``dedup_bench_key``), as the product
stores them. One check, timed end to end:

1. the new registration's keys (``engine.blocking_keys``);
2. the people holding each key, through the key index, one short index range per key (a key
   held by more people than the batch blocking pairs is left out, as there);
3. the people sharing the most keys with the registration (at most 200) read from the
   person table;
4. ``engine.match_one`` with a model learned from the registry.

Splink's single-record scoring is timed on the same candidates (steps 1–3 from SQLite, then
``linker.inference.score_pairs``) with a Splink model trained on the same registry.
PostgreSQL is the one in ``DATABASE_URL`` (``make bench-dedup`` starts a throwaway one);
without it only SQLite is measured.
"""

import csv
import datetime
import os
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import spanish_people  # noqa: E402

from arraigo.dedup.engine import (  # noqa: E402
    Model,
    PersonRecord,
    blocking_keys,
    keys_of_table,
    match_one,
    table_from,
)
from arraigo.dedup.engine.blocking import LOOSE_FAMILIES, MAX_BLOCK, MAX_LOOSE_BLOCK  # noqa: E402

REGISTRY = 2_000_000
CHUNK = 100_000
PROBES = 200
MAX_CANDIDATES = 200
FIELDS = spanish_people.HEADER[1:-1]
COLUMNS = ", ".join(FIELDS)


def _record(person_id: int, row: dict[str, str] | tuple[Any, ...]) -> PersonRecord:
    values = dict(zip(FIELDS, row, strict=True)) if isinstance(row, tuple) else row
    birth = values.get("birth_date") or ""
    return PersonRecord(
        id=str(person_id),
        given_name=values["given_name"] or "",
        second_given_name=values["second_given_name"] or "",
        first_surname=values["first_surname"] or "",
        second_surname=values["second_surname"] or "",
        sex=values["sex"] or "",
        birth_date=datetime.date.fromisoformat(birth) if birth else None,
        document_number=values["document_number"] or "",
        phone=values["phone"] or "",
        address=values["address"] or "",
        municipality=values["municipality"] or "",
        postcode=values["postcode"] or "",
    )


def _registrations(
    seed: int, people: int
) -> tuple[Iterator[list[dict[str, str]]], list[dict[str, str]]]:
    """The registry in chunks, and some of its people kept to be registered again."""
    generator = spanish_people.Generator(seed)
    kept: list[dict[str, str]] = []
    rng = random.Random(seed + 1)

    def chunks() -> Iterator[list[dict[str, str]]]:
        chunk: list[dict[str, str]] = []
        for number, row in enumerate(generator.registrations(people), start=1):
            row["person_id"] = str(number)
            chunk.append(row)
            if rng.random() < 2 * PROBES / people and len(kept) < PROBES:
                kept.append(row)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    return chunks(), kept


def load(
    sqlite_path: Path, pg: Any | None, *, seed: int, people: int
) -> tuple[list[dict[str, str]], Model]:
    """Fill both databases with the registry and its keys; a model learned from part of it."""
    from arraigo.dedup.engine.training import fit

    if sqlite_path.exists():
        sqlite_path.unlink()
    lite = sqlite3.connect(sqlite_path)
    lite.executescript(
        f"""
        pragma journal_mode = off; pragma synchronous = off;
        create table dedup_bench_person (id integer primary key, {COLUMNS});
        create table dedup_bench_key (key text not null, person_id integer not null);
        """
    )
    if pg is not None:
        with pg.cursor() as cursor:
            cursor.execute(
                "drop table if exists dedup_bench_key; drop table if exists dedup_bench_person;"
                f"create table dedup_bench_person (id integer primary key, "
                f"{', '.join(f'{name} text' for name in FIELDS)});"
                "create table dedup_bench_key (key text not null, person_id integer not null);"
            )
        pg.commit()
    chunks, kept = _registrations(seed, people)
    model = None
    for number, chunk in enumerate(chunks):
        records = [_record(int(row["person_id"]), row) for row in chunk]
        table = table_from(records)
        if model is None:
            from arraigo.dedup.engine import candidate_pairs

            model = fit(table, candidate_pairs(table))
        keys = keys_of_table(table)
        people = [(int(row["person_id"]), *(row[name] for name in FIELDS)) for row in chunk]
        key_rows = [
            (key, int(row["person_id"]))
            for row, row_keys in zip(chunk, keys, strict=True)
            for key in row_keys
        ]
        lite.executemany(
            f"insert into dedup_bench_person values (?, {', '.join('?' for _ in FIELDS)})",
            people,
        )
        lite.executemany("insert into dedup_bench_key values (?, ?)", key_rows)
        lite.commit()
        if pg is not None:
            with pg.cursor() as cursor:
                with cursor.copy(f"copy dedup_bench_person (id, {COLUMNS}) from stdin") as copy:
                    for person in people:
                        copy.write_row(person)
                with cursor.copy("copy dedup_bench_key (key, person_id) from stdin") as copy:
                    for key_row in key_rows:
                        copy.write_row(key_row)
            pg.commit()
        print(f"loaded {(number + 1) * CHUNK:,} people", flush=True)
    lite.execute("create index dedup_bench_key_index on dedup_bench_key (key, person_id)")
    lite.execute("analyze")
    lite.commit()
    lite.close()
    if pg is not None:
        with pg.cursor() as cursor:
            cursor.execute("create index dedup_bench_key_index on dedup_bench_key (key, person_id)")
        pg.commit()
        pg.autocommit = True
        with pg.cursor() as cursor:
            cursor.execute("vacuum analyze dedup_bench_key")
            cursor.execute("vacuum analyze dedup_bench_person")
        pg.autocommit = False
    assert model is not None
    return kept, model


def _cap(key: str) -> int:
    return MAX_LOOSE_BLOCK if key.split(":", 1)[0] in LOOSE_FAMILIES else MAX_BLOCK


def _choose(holders: list[tuple[str, int]]) -> list[int]:
    """People sharing the most keys with the registration; keys held by too many left out."""
    by_key: dict[str, list[int]] = {}
    for key, person in holders:
        by_key.setdefault(key, []).append(person)
    counts: Counter[int] = Counter()
    for key, people in by_key.items():
        if len(people) <= _cap(key):
            counts.update(people)
    return [person for person, _ in counts.most_common(MAX_CANDIDATES)]


def sqlite_candidates(connection: sqlite3.Connection, keys: set[str]) -> list[PersonRecord]:
    holders = []
    for key in keys:
        holders += connection.execute(
            "select key, person_id from dedup_bench_key where key = ? limit ?",
            (key, _cap(key) + 1),
        ).fetchall()
    chosen = _choose(holders)
    if not chosen:
        return []
    rows = connection.execute(
        f"select id, {COLUMNS} from dedup_bench_person where id in "
        f"({', '.join('?' for _ in chosen)})",
        chosen,
    ).fetchall()
    return [_record(row[0], tuple(row[1:])) for row in rows]


def pg_candidates(connection: Any, keys: set[str]) -> list[PersonRecord]:
    ordered = sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            "select k.key, h.person_id from unnest(%s::text[], %s::int[]) as k(key, cap) "
            "cross join lateral (select person_id from dedup_bench_key "
            "where key = k.key limit k.cap) h",
            (ordered, [_cap(key) + 1 for key in ordered]),
        )
        chosen = _choose(cursor.fetchall())
        if not chosen:
            return []
        cursor.execute(
            f"select id, {COLUMNS} from dedup_bench_person where id = any(%s)", (chosen,)
        )
        return [_record(row[0], tuple(row[1:])) for row in cursor.fetchall()]


def _probes(kept: list[dict[str, str]], seed: int) -> list[tuple[PersonRecord, str | None]]:
    """New registrations: most are people of the registry registered again, with mistakes."""
    generator = spanish_people.Generator(seed + 2)
    probes: list[tuple[PersonRecord, str | None]] = []
    for number, row in enumerate(kept):
        again = generator.again({name: row[name] for name in FIELDS})
        probes.append((_record(-number - 1, again), row["person_id"]))
    while len(probes) < PROBES + PROBES // 4:
        probes.append((_record(-len(probes) - 1, generator.person()), None))
    return probes


def _timed(
    probes: list[tuple[PersonRecord, str | None]],
    check: Callable[[PersonRecord], tuple[list[Any], int]],
) -> tuple[list[float], list[int], int]:
    for record, _ in probes[:10]:
        check(record)  # warm-up: caches, the database's pages
    times, candidates, found = [], [], 0
    for record, registered in probes:
        started = time.perf_counter()
        matches, candidate_count = check(record)
        times.append((time.perf_counter() - started) * 1000)
        candidates.append(candidate_count)
        if registered is not None and any(match.id_b == registered for match in matches):
            found += 1
    return times, candidates, found


def _row(
    name: str, times: list[float], candidates: list[int], target: float | None
) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "name": name,
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "p99": ordered[int(0.99 * (len(ordered) - 1))],
        "max": ordered[-1],
        "lookups": len(ordered),
        "candidates": int(statistics.median(candidates)),
        "target": target,
    }


def splink_scoring(
    probes: list[tuple[PersonRecord, str | None]], sqlite_path: Path, seed: int
) -> dict[str, Any]:
    """Splink's scoring of one registration against the same candidates."""
    import duckdb
    import splink_models

    training = sqlite_path.with_suffix(".train.csv")
    generator = spanish_people.Generator(seed)
    with training.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=spanish_people.HEADER)
        writer.writeheader()
        writer.writerows(generator.registrations(CHUNK))
    con = duckdb.connect()
    run = splink_models.spanish_linker(str(training), con)
    run.linker.table_management.compute_tf_table("municipality")
    connection = sqlite3.connect(sqlite_path)

    def splink_input(record: PersonRecord) -> dict[str, Any]:
        row = {
            "id": record.id, "given_name": record.given_name,
            "second_given_name": record.second_given_name,
            "first_surname": record.first_surname, "second_surname": record.second_surname,
            "sex": record.sex,
            "birth_date": record.birth_date.isoformat() if record.birth_date else "",
            "document_number": record.document_number, "phone": record.phone,
            "address": record.address, "municipality": record.municipality,
            "postcode": record.postcode, "cluster": "",
        }  # fmt: skip
        return _clean_like_splink_models(row)

    def check(record: PersonRecord) -> tuple[list[Any], int]:
        candidates = sqlite_candidates(connection, blocking_keys(record))
        if not candidates:
            return [], 0
        scored = run.linker.inference.score_pairs(
            [splink_input(record)], [splink_input(candidate) for candidate in candidates]
        ).as_record_list()
        return [], len(scored)

    times, candidates, _ = _timed(probes, check)
    connection.close()
    training.unlink()
    return _row("Splink: same candidates (SQLite), `score_pairs`", times, candidates, None)


def _clean_like_splink_models(row: dict[str, str]) -> dict[str, Any]:
    """One registration cleaned as ``splink_models.spanish_relation`` cleans a file."""
    import re
    import unicodedata

    def plain(text: str) -> str | None:
        lowered = unicodedata.normalize("NFKD", text.lower())
        stripped = "".join(char for char in lowered if not unicodedata.combining(char))
        cleaned = re.sub(r"[^a-z ]", "", stripped).strip()
        return cleaned or None

    given = " ".join(part for part in (row["given_name"], row["second_given_name"]) if part)
    surname = " ".join(part for part in (row["first_surname"], row["second_surname"]) if part)
    first_name, last_name = plain(given), plain(surname)
    digits = re.sub(r"\D", "", row["phone"])
    return {
        "unique_id": row["id"],
        "first_name": first_name,
        "surname": last_name,
        "first_name_surname_concat": " ".join(p for p in (first_name, last_name) if p) or None,
        "dob": row["birth_date"] or None,
        "sex": row["sex"] or None,
        "document_number": re.sub(r"[^0-9A-Z]", "", row["document_number"].upper()) or None,
        "phone": digits[-8:] if len(digits) >= 7 else None,
        "municipality": plain(row["municipality"]),
        "address": plain(row["address"]),
    }


def run(results: Path, *, seed: int = 99, people: int = REGISTRY) -> dict[str, Any]:
    pg = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        import psycopg

        pg = psycopg.connect(os.environ["DATABASE_URL"])
    sqlite_path = results / "realtime.sqlite3"
    started = time.perf_counter()
    kept, model = load(sqlite_path, pg, seed=seed, people=people)
    load_seconds = time.perf_counter() - started
    probes = _probes(kept, seed)
    rows = []
    lite = sqlite3.connect(sqlite_path)
    key_rows = lite.execute("select count(*) from dedup_bench_key").fetchone()[0]

    def sqlite_check(record: PersonRecord) -> tuple[list[Any], int]:
        candidates = sqlite_candidates(lite, blocking_keys(record))
        return match_one(model, record, candidates), len(candidates)

    times, candidates, found_sqlite = _timed(probes, sqlite_check)
    rows.append(_row("Ours on SQLite: keys → index → `match_one`", times, candidates, 50))
    found_pg = None
    if pg is not None:

        def pg_check(record: PersonRecord) -> tuple[list[Any], int]:
            candidates = pg_candidates(pg, blocking_keys(record))
            return match_one(model, record, candidates), len(candidates)

        times, candidates, found_pg = _timed(probes, pg_check)
        rows.insert(
            0, _row("Ours on PostgreSQL: keys → index → `match_one`", times, candidates, 50)
        )
        with pg.cursor() as cursor:
            cursor.execute("show server_version")
            version = cursor.fetchone()[0]
        pg.close()
    else:
        version = "not measured (no DATABASE_URL)"
    lite.close()
    rows.append(splink_scoring(probes, sqlite_path, seed))
    registered = sum(1 for _, person in probes if person is not None)
    description = (
        f"{people:,} generated people (`bench/spanish_people.py`, seed {seed}) in "
        f"`dedup_bench_person`, and their {key_rows:,} blocking keys in `dedup_bench_key` "
        f"(key, person) with an index on (key, person), in SQLite (file, WAL off while loading) "
        f"and PostgreSQL {version}; loading both took {load_seconds / 60:.0f} min. "
        f"{len(probes)} new registrations ({registered} of them people of the registry "
        "registered again with mistakes, the others new), each timed end to end after a "
        "warm-up: keys, index look-ups (a key held by more people than batch blocking pairs "
        "is left out), the 200 people sharing most keys read from the person table, then "
        "`match_one` with a model learned from the first 100,000 people."
    )
    notes = (
        f"The registered person was among the matches for {found_sqlite} of {registered} "
        "re-registrations on SQLite"
        + (f" and {found_pg} on PostgreSQL" if found_pg is not None else "")
        + ". Splink's row times the same candidate look-up plus Splink's own scoring of the "
        "registration against those candidates (`linker.inference.score_pairs`, its "
        "DuckDB backend, a model trained as in the batch run on 100,000 registrations)."
    )
    return {"description": description, "rows": rows, "notes": notes}


if __name__ == "__main__":
    import json

    people = int(sys.argv[1]) if len(sys.argv) > 1 else REGISTRY
    print(json.dumps(run(ROOT / "bench" / "results", people=people), indent=2))
