"""Find the people registered more than once in a CSV file, without touching the database."""

import csv
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arraigo.dedup.engine import FIELDS, Model, Table, candidate_pairs
from arraigo.dedup.engine.batch import score_table
from arraigo.dedup.engine.csv_input import CsvProblem, table_from_csv
from arraigo.dedup.engine.training import fit

# Unreadable birth dates are reported by row number, at most this many.
MAX_REPORTED_ROWS = 10


class Command(BaseCommand):
    help = (
        "Deduplicate a CSV file of people: write id_a,id_b,probability for every pair of rows "
        "that are probably the same person (at or above the threshold), most probable first. "
        "A model is learned from the file itself unless --model is given. Birth dates are read "
        "as YYYY-MM-DD or YYYYMMDD."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="CSV file with a header row (UTF-8).")
        parser.add_argument("--id", required=True, metavar="COLUMN", help="Column of row ids.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"Read FIELD from COLUMN; FIELD is one of: {', '.join(FIELDS)}. Repeat it.",
        )
        parser.add_argument("--out", required=True, metavar="PAIRS.csv", help="Output file.")
        parser.add_argument(
            "--threshold",
            type=float,
            metavar="P",
            help="Lowest match probability written (0 to 1); default: the model's own.",
        )
        parser.add_argument(
            "--model",
            metavar="MODEL.json",
            help="Use this stored model instead of learning one from the file.",
        )
        parser.add_argument(
            "--save-model", metavar="MODEL.json", help="Also write the model used to this file."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mapping = self._mapping(options["map"])
        threshold = options["threshold"]
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise CommandError("--threshold must be between 0 and 1.")
        model = self._stored_model(options["model"]) if options["model"] else None
        table, unreadable_dates = self._read(Path(options["input"]), options["id"], mapping)
        if unreadable_dates:
            rows = ", ".join(str(row) for row in unreadable_dates[:MAX_REPORTED_ROWS])
            more = "…" if len(unreadable_dates) > MAX_REPORTED_ROWS else ""
            self.stderr.write(
                f"{len(unreadable_dates)} birth dates are not YYYY-MM-DD or YYYYMMDD and were "
                f"left out (rows {rows}{more})."
            )
        pairs = candidate_pairs(table)
        if model is None:
            model = fit(table, pairs)
        if options["save_model"]:
            Path(options["save_model"]).write_text(json.dumps(model.to_json()), encoding="utf-8")
        cut = model.threshold if threshold is None else threshold
        found: list[tuple[float, int, int]] = []
        scoring = score_table(model, table, threshold=cut, pairs=pairs)
        for chunk in scoring:
            found.extend(
                zip(chunk.probability.tolist(), chunk.a.tolist(), chunk.b.tolist(), strict=True)
            )
        # Most probable first; ties in the order of the file.
        found.sort(key=lambda item: (-item[0], item[1], item[2]))
        ids = table.ids
        try:
            with Path(options["out"]).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(("id_a", "id_b", "probability"))
                for probability, a, b in found:
                    writer.writerow((ids[a], ids[b], f"{probability:.6f}"))
        except OSError as error:
            raise CommandError(f"Cannot write {options['out']}: {error.strerror}.") from error
        self.stdout.write(
            f"{len(table)} records, {scoring.pairs_compared} candidate pairs compared, "
            f"{len(found)} pairs at or above {cut:.3f} written to {options['out']}."
        )

    def _mapping(self, items: list[str]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for item in items:
            field, equals, column = item.partition("=")
            field, column = field.strip(), column.strip()
            if not equals or not field or not column:
                raise CommandError(f"--map takes FIELD=COLUMN, not {item!r}.")
            if field not in FIELDS:
                raise CommandError(
                    f"Unknown field {field!r} in --map; the fields are: {', '.join(FIELDS)}."
                )
            if field in mapping:
                raise CommandError(f"Field {field!r} is mapped twice.")
            mapping[field] = column
        if not mapping:
            raise CommandError("Map at least one field with --map FIELD=COLUMN.")
        return mapping

    def _stored_model(self, path: str) -> Model:
        try:
            return Model.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except OSError as error:
            raise CommandError(f"Cannot read the model {path}: {error.strerror}.") from error
        except (ValueError, KeyError, TypeError) as error:
            raise CommandError(f"{path} is not a stored model: {error}") from error

    def _read(self, path: Path, id_column: str, mapping: dict[str, str]) -> tuple[Table, list[int]]:
        import duckdb

        try:
            table, report = table_from_csv(path, id_column=id_column, mapping=mapping)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {path}.") from error
        except CsvProblem as error:
            raise CommandError(f"{path}: {error}") from error
        except duckdb.Error as error:
            raise CommandError(f"{path} cannot be read as a UTF-8 CSV file: {error}") from error
        return table, report.unreadable_dates
