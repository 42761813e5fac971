"""Benchmark of the registry on PostgreSQL with a million participants.

    make bench-registry                  # throwaway PostgreSQL, 1,000,000 people
    make bench-registry ARGS="--people 200000 --explain"

Loads the demo (a small one) if it is not there, generates synthetic participants in the
Salvadoran demo organisation up to ``--people`` (those already there are reused), runs VACUUM
ANALYZE, then measures the server time of what a caseworker does most:

* the participant list, first page and a deep page (keyset cursor after ~half the rows),
  timed as whole Django requests in-process (permission scoping, queries, template rendering);
* exact look-ups by document number and by phone, and name searches with realistic spelling
  mistakes, through ``people.search.search_participants`` on the caseworker's scoped
  participants, as the list page does.

Each measurement runs after a warm-up, at least 50 times; p50/p95/max are reported in ms and
written to docs/benchmarks.md (section "Registry"). The figures are reported, not asserted.
"""

import argparse
import datetime
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from arraigo.accounts.models import Organisation, User  # noqa: E402
from arraigo.core.pagination import keyset_page  # noqa: E402
from arraigo.people.models import IdentityDocument, NameKey, Participant  # noqa: E402
from arraigo.people.permissions import visible_participants  # noqa: E402
from arraigo.people.search import search_participants  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
# The 1-minute load average before and after the measurements: other work on the machine
# (a test suite, a browser) shows in the figures, so the report says how busy it was.
LOAD: list[float] = []
SECTION = "## Registry"
# How people actually mistype names: s for z, missing accents, v for b, dropped h.
MISSPELT_NAMES = (
    "Maria Hernandes Lopes",
    "Jose Gonsales",
    "Velasques",
    "Karla Rodrigues Martines",
    "Juan Carlos Peres Garsia",
    "Ana Gomes Flores",
    "Oscar Ernandez",
    "Rosa Baldes Ramires",
)


@dataclass
class Measurement:
    name: str
    target_ms: float
    times_ms: list[float]
    rows: str

    def percentile(self, share: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def met(self) -> bool:
        return self.p95 <= self.target_ms


def timed(run: Callable[[int], object], *, iterations: int, warm_up: int) -> list[float]:
    for index in range(warm_up):
        run(index)
    times = []
    for index in range(iterations):
        started = time.perf_counter()
        run(index)
        times.append((time.perf_counter() - started) * 1000)
    return times


def explain(label: str, run: Callable[[], object]) -> None:
    """Print EXPLAIN ANALYZE of every query *run* makes that takes more than a millisecond."""
    with CaptureQueriesContext(connection) as captured:
        run()
    print(f"\n--- {label}: {len(captured.captured_queries)} queries")
    for query in captured.captured_queries:
        if float(query["time"]) < 0.001 or not query["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print(f"\n{query['sql'][:600]}\n" + "\n".join(row[0] for row in cursor.fetchall()))


def prepare(people: int, demo_people: int, seed: int) -> tuple[Organisation, User]:
    if not Organisation.objects.filter(reference_prefix="SV").exists():
        call_command("load_demo", people=demo_people)
    organisation = Organisation.objects.get(reference_prefix="SV")
    existing = Participant.objects.filter(organisation=organisation).count()
    if existing < people:
        call_command(
            "generate_people", count=people - existing, organisation="SV", seed=seed + existing
        )
    else:
        print(f"Reusing the {existing:,} participants already generated.")
    print("VACUUM ANALYZE…")
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  {time.monotonic() - started:.0f} s")
    caseworker = User.objects.get(email="caseworker.sv@demo.arraigo.org")
    return organisation, caseworker


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f"{int(found.group(1)) / 1024 / 1024:.0f} GiB" if found else memory
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "RAM": memory,
        "PostgreSQL": postgres,
        "Python": platform.python_version(),
        "Django": django.get_version(),
    }


def run(args: argparse.Namespace) -> list[Measurement]:
    organisation, caseworker = prepare(args.people, args.demo_people, args.seed)
    rng = random.Random(args.seed)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(caseworker)
    visible = visible_participants(caseworker)
    total = visible.count()
    print(f"The caseworker sees {total:,} participants.")
    # The cursor a caseworker holds after paging through about half of the list.
    deep_id = visible.order_by("-id").values_list("id", flat=True)[min(500_000, total // 2)]
    deep_cursor = keyset_page(visible.filter(id__lte=deep_id), ordering=["-id"], size=1)
    assert deep_cursor.next_cursor is not None
    cursor_param = deep_cursor.next_cursor
    # Numbers and phones of random people, written as people type them.
    documents = list(
        IdentityDocument.objects.filter(organisation=organisation)
        .order_by("?")
        .values_list("number", flat=True)[: args.iterations + args.warm_up]
    )
    phones = list(
        Participant.objects.filter(organisation=organisation)
        .exclude(phone="")
        .order_by("?")
        .values_list("phone", flat=True)[: args.iterations + args.warm_up]
    )
    scoped = visible.select_related("municipality")  # what the list page searches

    def page(path: str) -> Callable[[int], object]:
        def get(_index: int) -> object:
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response

        return get

    def search(queries: list[str] | tuple[str, ...]) -> Callable[[int], object]:
        def find(index: int) -> object:
            return search_participants(
                scoped, query=queries[index % len(queries)], organisation_id=organisation.pk
            )

        return find

    if args.explain:
        explain("list, first page", lambda: page("/participants/")(0))
        explain("list, deep page", lambda: page(f"/participants/?cursor={cursor_param}")(0))
        explain("by document", lambda: search(documents)(0))
        explain("by phone", lambda: search(phones)(0))
        for query in MISSPELT_NAMES[:3]:
            explain(f"name: {query}", lambda q=query: search([q])(0))

    first_rows = page("/participants/")(0).content.count(b'class="list-group-item"')  # type: ignore[attr-defined]
    deep_rows = page(f"/participants/?cursor={cursor_param}")(0).content.count(  # type: ignore[attr-defined]
        b'class="list-group-item"'
    )
    found_documents = sum(len(search(documents)(i).participants) for i in range(10))  # type: ignore[attr-defined]
    found_phones = sum(len(search(phones)(i).participants) for i in range(10))  # type: ignore[attr-defined]
    name_rows = []
    for query in MISSPELT_NAMES:
        result = search([query])(0)
        name_rows.append(
            f"{query}: {len(result.participants)}{'+' if result.truncated else ''}"  # type: ignore[attr-defined]
        )
    n, warm = args.iterations, args.warm_up
    LOAD.append(os.getloadavg()[0])
    measurements = [
        Measurement(
            "Participant list, first page (whole request)",
            50,
            timed(page("/participants/"), iterations=n, warm_up=warm),
            f"{first_rows} rows of {total:,}",
        ),
        Measurement(
            f"Participant list, page after {min(500_000, total // 2):,} rows (whole request)",
            50,
            timed(page(f"/participants/?cursor={cursor_param}"), iterations=n, warm_up=warm),
            f"{deep_rows} rows",
        ),
        Measurement(
            "Exact look-up by document number",
            20,
            timed(search(documents), iterations=n, warm_up=warm),
            f"{found_documents / 10:.1f} people per search",
        ),
        Measurement(
            "Exact look-up by phone",
            20,
            timed(search(phones), iterations=n, warm_up=warm),
            f"{found_phones / 10:.1f} people per search",
        ),
        Measurement(
            "Name search with spelling mistakes",
            300,
            timed(search(MISSPELT_NAMES), iterations=max(n, 8 * 8), warm_up=len(MISSPELT_NAMES)),
            "; ".join(name_rows),
        ),
    ]
    _ = rng
    LOAD.append(os.getloadavg()[0])
    return measurements


def report(measurements: list[Measurement], args: argparse.Namespace) -> str:
    facts = machine()
    counts = {
        "participants": Participant.objects.count(),
        "name keys": NameKey.objects.count(),
        "documents": IdentityDocument.objects.count(),
    }
    lines = [
        SECTION,
        "",
        f"Run on {datetime.date.today().isoformat()}: `python bench/registry.py"
        + (f" {' '.join(sys.argv[1:])}" if sys.argv[1:] else "")
        + "` (what `make bench-registry` runs, on a throwaway PostgreSQL).",
        "",
        "| Machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in facts.items()),
        "",
        f"Load average (1 min) of the machine before and after the measurements: "
        f"{LOAD[0]:.1f} and {LOAD[-1]:.1f} (on {os.cpu_count()} cores; above that, other work "
        "competed for the CPU and the figures are pessimistic).",
        "",
        "Data: " + ", ".join(f"{value:,} {key}" for key, value in counts.items()) + " in the "
        "database, almost all in one organisation and programme (synthetic, from "
        "`generate_people`), after `VACUUM ANALYZE`. The user is the Salvadoran demo "
        "CASEWORKER, assigned to the programme. Server time in milliseconds over "
        f"{args.iterations}+ runs after a warm-up; the list pages are whole Django requests "
        "in-process (session, permission scoping, queries, template rendering), the searches "
        "are calls of `people.search.search_participants` on the caseworker's participants, "
        "as the list page makes them.",
        "",
        "| Measurement | p50 | p95 | max | target (p95) | met | rows |",
        "|---|---:|---:|---:|---:|:---:|---|",
    ]
    for m in measurements:
        lines.append(
            f"| {m.name} | {m.p50:.1f} | {m.p95:.1f} | {max(m.times_ms):.1f} | "
            f"≤ {m.target_ms:.0f} | {'yes' if m.met else '**no**'} | {m.rows} |"
        )
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace the Registry section of docs/benchmarks.md, keeping the other sections."""
    if DOCS.exists():
        current = DOCS.read_text()
    else:
        current = (
            "# Benchmarks\n\nMeasured figures, regenerated by the benchmark scripts under "
            "`bench/`. They are reported, not asserted: CI does not fail on time.\n"
        )
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: text + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(updated.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--demo-people", type=int, default=300)
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The registry benchmark runs on PostgreSQL: use `make bench-registry`.")
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The test client's host, and static files served from the sources (no collectstatic).
    with override_settings(ALLOWED_HOSTS=["127.0.0.1"], STORAGES=storages):
        measurements = run(args)
    text = report(measurements, args)
    print("\n" + text)
    if not args.no_write:
        write_section(text)
        print(f"Written to {DOCS.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
