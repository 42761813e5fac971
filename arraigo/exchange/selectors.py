"""Reads of imports for pages, from permission-scoped querysets."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from arraigo.accounts.models import User
from arraigo.dedup.check import Match
from arraigo.dedup.reasons import Reason, reasons
from arraigo.exchange.columns import BY_KEY
from arraigo.exchange.models import ImportRow, ImportRun
from arraigo.exchange.services import shown_matches
from arraigo.people.permissions import visible_participants


@dataclass(frozen=True)
class ShownMatch:
    """A registered person who may be the row's person: by name only if the user may see it."""

    match: Match
    visible: bool


@dataclass(frozen=True)
class EarlierRow:
    """An earlier row of the same file that may be the same person."""

    line: int
    percentage: int
    reasons: list[Reason]


@dataclass(frozen=True)
class Cell:
    label: str
    value: str
    messages: list[str]


@dataclass
class RowView:
    row: ImportRow
    name: str
    document: str
    problems: list[Cell] = field(default_factory=list)
    matches: list[ShownMatch] = field(default_factory=list)
    earlier: list[EarlierRow] = field(default_factory=list)
    failure: list[Cell] = field(default_factory=list)


def _cells(row: ImportRow, messages_by_column: dict[str, list[str]]) -> list[Cell]:
    values = row.values or {}
    cells = []
    for key, messages in messages_by_column.items():
        column = BY_KEY.get(key)
        label = str(column.label) if column else ""
        cells.append(
            Cell(label=label, value=values.get(key, "") if column else "", messages=messages)
        )
    return sorted(cells, key=lambda cell: cell.label != "")  # the row's own messages first


def row_views(*, user: User, rows: list[ImportRow]) -> list[RowView]:
    """The rows of a page as the preview shows them: the person's name, what is wrong at each
    column, and each possible duplicate with why (by name only where the user may see it)."""
    views = []
    for row in rows:
        values = row.values or {}
        view = RowView(
            row=row,
            name=" ".join(
                values.get(key, "") for key in ("given_names", "first_surname", "second_surname")
            ).strip(),
            document=" ".join(
                values.get(key, "") for key in ("document_kind", "document_number")
            ).strip(),
            problems=_cells(row, row.errors or {}),
            failure=_cells(row, row.failure or {}),
        )
        if row.status == ImportRow.Status.POSSIBLE_DUPLICATE:
            matches = shown_matches(row)
            visible = set(
                visible_participants(user)
                .filter(pk__in=[m.participant_id for m in matches if m.same_organisation])
                .values_list("pk", flat=True)
            )
            view.matches = [ShownMatch(m, m.participant_id in visible) for m in matches]
            view.earlier = [
                EarlierRow(
                    line=item["line"],
                    percentage=round(float(item["probability"]) * 100),
                    reasons=reasons(item.get("reasons", [])),
                )
                for item in row.matches or []
                if item.get("line")
            ]
        views.append(view)
    return views


def status_counts(run: ImportRun) -> list[tuple[str, str, int]]:
    """(status, its name, how many rows) for each status some row of *run* has."""
    counted = Counter(
        {
            item["status"]: item["n"]
            for item in run.rows.values("status").annotate(n=Count("id")).order_by()
        }
    )
    return [
        (value, str(label), counted[value])
        for value, label in ImportRow.Status.choices
        if counted[value]
    ]


def waiting_answers(run: ImportRun) -> int:
    return run.rows.filter(status=ImportRow.Status.POSSIBLE_DUPLICATE, answer="").count()


def runs_listed(runs: QuerySet[ImportRun]) -> QuerySet[ImportRun]:
    return runs.select_related("programme", "uploaded_by")


@dataclass(frozen=True)
class Progress:
    """How far an import's background work has gone: rows checked (checked again, when
    importing) and rows imported, each out of the file's rows."""

    checked: int
    imported: int
    rows: int
    importing: bool

    @property
    def done(self) -> int:
        return self.checked + self.imported

    @property
    def steps(self) -> int:
        # Importing goes through the rows twice: checked again, then imported.
        return self.rows * 2 if self.importing else self.rows

    @property
    def percent(self) -> int:
        return self.done * 100 // self.steps if self.steps else 100


def progress(run: ImportRun) -> Progress:
    importing = run.status == ImportRun.Status.IMPORTING
    return Progress(
        checked=min(run.rows_checked, run.rows_total),
        imported=min(run.rows_processed, run.rows_total) if importing else 0,
        rows=run.rows_total,
        importing=importing,
    )
