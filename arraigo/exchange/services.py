"""Writes of imports: a file uploaded and checked, the user's answers row by row, the import
confirmed (each row registered or enrolled through the registry's and duplicate detection's
services) or discarded.

Checking and importing take about 15 ms a row, too long for a request once a file has thousands
of rows: the request stores the run and queues the work (``tasks.py``), which goes through the
rows in small transactions and writes its progress for the page. See docs/adr/0011-imports.md.
"""

import datetime
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from arraigo.accounts.models import Organisation, User
from arraigo.accounts.permissions import membership_of
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.dedup import services as dedup_services
from arraigo.dedup.check import Match, model_for, possible_duplicates_of
from arraigo.dedup.engine import PersonRecord, blocking_keys, match_one
from arraigo.dedup.models import Decision
from arraigo.dedup.reasons import comparisons_as_json, reasons
from arraigo.exchange.checking import ROW, CleanRow, RowCleaner
from arraigo.exchange.columns import plain
from arraigo.exchange.models import ImportRow, ImportRun
from arraigo.exchange.reading import read_file
from arraigo.people import services as people_services
from arraigo.people.blocking import record_from_details
from arraigo.people.models import IdentityDocument, Participant
from arraigo.programmes.models import Programme
from arraigo.programmes.permissions import visible_programmes

Status = ImportRow.Status
Answer = ImportRow.Answer
Outcome = ImportRow.Outcome
RunStatus = ImportRun.Status

logger = logging.getLogger(__name__)

# Rows gone through in one transaction by the background work: small enough that the page's
# progress moves and other writers are not held up, large enough to read the registry in few
# queries.
CHUNK_ROWS = 50
# Work not heard of for this long stopped with its worker: the run can be discarded.
STALLED_AFTER = datetime.timedelta(hours=2)
# What the check writes of a row.
CHECKED_FIELDS = ["status", "errors", "matches", "same_as_line", "participant", "updated_at"]


class FileAlreadyUploaded(ApplicationError):
    """Raised when a file is uploaded again without saying it is meant."""

    def __init__(self, previous: ImportRun) -> None:
        when = date_format(timezone.localtime(previous.uploaded_at), "DATETIME_FORMAT")
        values = {"when": when, "who": previous.uploaded_by}
        if previous.status == ImportRun.Status.IMPORTED:
            message = _("This file was imported on %(when)s by %(who)s.") % values
        elif previous.status != ImportRun.Status.CHECKED:
            message = (
                _("This file was uploaded on %(when)s by %(who)s and its import is not finished.")
                % values
            )
        else:
            message = (
                _("This file was uploaded on %(when)s by %(who)s and waits for confirmation.")
                % values
            )
        super().__init__(message, field="file")
        self.previous = previous


class ImportNotOpen(ApplicationError):
    """Raised when an import already confirmed or discarded is answered, confirmed or discarded."""


class AnswersMissing(ApplicationError):
    """Raised when an import is confirmed before every possible duplicate has an answer."""


class AnswerNotOffered(ApplicationError):
    """Raised when a row is answered with a choice it does not offer."""


class ImportNotWaiting(ApplicationError):
    """Raised when the background work finds its import no longer waiting for it."""


def is_stalled(run: ImportRun, *, at: datetime.datetime) -> bool:
    """Whether *run*'s background work has not been heard of for ``STALLED_AFTER``."""
    return run.is_running and run.updated_at < at - STALLED_AFTER


def is_discardable(run: ImportRun, *, at: datetime.datetime) -> bool:
    """Whether *run* may be discarded: while checked or being checked, once stopped by an error,
    or once its import has stalled (a running import is let finish)."""
    return run.status in (RunStatus.CHECKING, RunStatus.CHECKED, RunStatus.FAILED) or (
        run.status == RunStatus.IMPORTING and is_stalled(run, at=at)
    )


def fingerprint_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _values_key(organisation_id: Any, values: dict[str, str]) -> str:
    """The same row's key whoever writes it, whatever the case, accents or spacing."""
    canonical = json.dumps(
        [str(organisation_id), sorted((key, plain(value)) for key, value in values.items())]
    )
    return salted_hmac("arraigo.exchange.row", canonical, algorithm="sha256").hexdigest()


def _member_of(by: User) -> Organisation:
    membership = membership_of(by)
    if membership is None:
        raise PermissionDenied
    return membership.organisation


def _stored(match: Match) -> dict[str, Any]:
    return {
        "participant": str(match.participant_id),
        "organisation": str(match.organisation.pk),
        "organisation_name": str(match.organisation),
        "probability": round(match.probability, 4),
        "reference": match.reference,
        "reasons": [
            {"field": r.field, "level": r.level, "weight": round(r.weight, 3)}
            for r in match.reasons
        ],
        "explanation": list(match.explanation),
    }


def shown_matches(row: ImportRow) -> list[Match]:
    """The possible duplicates *row* showed, as the check found them (people of the registry,
    not earlier rows of the file)."""
    stored = [m for m in row.matches or [] if m.get("participant")]
    own = Participant.objects.select_related("organisation", "municipality").in_bulk(
        [uuid.UUID(m["participant"]) for m in stored]
    )
    organisations = Organisation.objects.in_bulk([uuid.UUID(m["organisation"]) for m in stored])
    matches = []
    for item in stored:
        pk = uuid.UUID(item["participant"])
        organisation = organisations.get(uuid.UUID(item["organisation"]))
        if organisation is None:
            continue
        participant = own.get(pk) if organisation.pk == row.run.organisation_id else None
        matches.append(
            Match(
                participant_id=pk,
                organisation=organisation,
                probability=float(item["probability"]),
                participant=participant,
                reference=item.get("reference", ""),
                reasons=tuple(reasons(item.get("reasons", []))),
                explanation=tuple(item.get("explanation", [])),
            )
        )
    return matches


# --- Upload and check ---------------------------------------------------------------------------


def _earlier_upload(organisation: Organisation, fingerprint: str) -> ImportRun | None:
    return (
        ImportRun.objects.filter(organisation=organisation, fingerprint=fingerprint)
        .exclude(status=ImportRun.Status.DISCARDED)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-id")
        .first()
    )


class _Registry:
    """What the registry already holds of a file's rows, read in a few queries: the documents'
    holders and the rows imported before."""

    def __init__(
        self, organisation: Organisation, *, documents: Iterable[str], keys: Iterable[str]
    ) -> None:
        held = IdentityDocument.objects.filter(
            organisation=organisation, number_normalized__in=set(documents)
        ).select_related("participant")
        self.holders = {(d.kind, d.number_normalized): d.participant for d in held}
        imported = (
            ImportRow.objects.filter(
                values_key__in=set(keys),
                run__organisation=organisation,
                # A row with one of these outcomes was imported, even if its run stopped later.
                outcome__in=[Outcome.REGISTERED, Outcome.ENROLLED, Outcome.UNCHANGED],
                participant__isnull=False,
            )
            .select_related("participant")
            .order_by("created_at")
        )
        self.imported = {row.values_key: row.participant for row in imported}

    def holder(self, keys: Sequence[tuple[str, str]]) -> Participant | None:
        return next((self.holders[key] for key in keys if key in self.holders), None)


def _check_row(
    row: ImportRow,
    *,
    clean: CleanRow,
    cleaner: RowCleaner,
    organisation: Organisation,
    registry: _Registry,
    documents_seen: dict[tuple[str, str], int],
    at: datetime.datetime,
    trial: bool = True,
) -> None:
    """Set *row*'s status from its cleaned values: error, already imported or registered, same
    document as an earlier row, possible duplicate of registered people, or ready."""
    row.matches, row.errors, row.same_as_line, row.participant = [], {}, None, None
    if clean.errors:
        row.status, row.errors = Status.ERROR, clean.errors
        return
    earlier = registry.imported.get(row.values_key)
    if earlier is not None:
        row.status, row.participant = Status.ALREADY_IMPORTED, earlier
        return
    holder = registry.holder(clean.document_keys)
    if holder is not None:
        row.status, row.participant = Status.ALREADY_REGISTERED, holder
        return
    if trial:
        cleaner.try_registering(clean, at=at)
    if clean.errors:
        row.status, row.errors = Status.ERROR, clean.errors
        return
    for key in clean.document_keys:
        if key in documents_seen:
            row.status, row.same_as_line = Status.SAME_IN_FILE, documents_seen[key]
            return
    for key in clean.document_keys:
        documents_seen[key] = row.line
    assert clean.details is not None
    matches = possible_duplicates_of(
        organisation=organisation, details=clean.details, documents=clean.documents
    )
    row.matches = [_stored(match) for match in matches]
    row.status = Status.POSSIBLE_DUPLICATE if matches else Status.READY


def _registry_of(
    organisation: Organisation, checked: Sequence[tuple[ImportRow, CleanRow]]
) -> _Registry:
    return _Registry(
        organisation,
        documents=[number for _row, clean in checked for _kind, number in clean.document_keys],
        keys=[row.values_key for row, _clean in checked],
    )


class _WithinFile:
    """Rows of the file that may be the same person as an earlier row (not by the same
    document, which is told apart) are possible duplicates too: the engine compares each row,
    in the file's order, with the earlier rows sharing one of its blocking keys."""

    def __init__(self, organisation: Organisation) -> None:
        self.model = model_for(organisation)
        self.by_key: dict[str, list[PersonRecord]] = {}
        self.lines: dict[str, int] = {}

    def compare(self, row: ImportRow, clean: CleanRow) -> None:
        if row.status not in (Status.READY, Status.POSSIBLE_DUPLICATE) or clean.details is None:
            return
        record = record_from_details(clean.details, clean.documents, id=f"line-{row.line}")
        keys = blocking_keys(record)
        earlier = {c.id: c for key in keys for c in self.by_key.get(key, [])}
        if earlier:
            for scored in match_one(self.model, record, earlier.values(), limit=3):
                row.matches = [
                    *row.matches,
                    {
                        "line": self.lines[scored.id_b],
                        "probability": round(scored.probability, 4),
                        "reasons": [
                            {"field": r.field, "level": r.level, "weight": round(r.weight, 3)}
                            for r in reasons(scored.comparisons, a=record, b=earlier[scored.id_b])
                        ],
                        "explanation": comparisons_as_json(scored.comparisons),
                    },
                ]
                row.status = Status.POSSIBLE_DUPLICATE
        self.lines[record.id] = row.line
        for key in keys:
            self.by_key.setdefault(key, []).append(record)


@transaction.atomic
def import_run_upload(
    *,
    programme: Programme,
    file_name: str,
    content: bytes,
    by: User,
    at: datetime.datetime,
    again: bool = False,
) -> ImportRun:
    """Read a participants file for *programme* and store its rows, to be checked in the
    background (``tasks.check_import_run``) once this transaction commits; nothing is
    registered until the import is confirmed.

    :raises FileAlreadyUploaded: if the same file was uploaded before (and not discarded),
        unless *again*.
    :raises FileUnreadable: for a file that cannot be read, lacks columns or has too many rows.
    :raises PermissionDenied: if *by* does not work in *programme*.
    """
    organisation = _member_of(by)
    if not visible_programmes(by).filter(pk=programme.pk).exists():
        raise PermissionDenied
    fingerprint = fingerprint_of(content)
    previous = _earlier_upload(organisation, fingerprint)
    if previous is not None and not again:
        raise FileAlreadyUploaded(previous)
    read = read_file(content)
    run = ImportRun(
        organisation=organisation,
        programme=programme,
        file_name=file_name[:255],
        fingerprint=fingerprint,
        status=RunStatus.CHECKING,
        language=translation.get_language() or "",
        uploaded_by=by,
        uploaded_at=at,
        rows_total=len(read.rows),
    )
    run.save(force_insert=True)
    ImportRow.objects.bulk_create(
        [
            ImportRow(
                run=run,
                line=read_row.line,
                values=read_row.values,
                values_key=_values_key(organisation.pk, read_row.values),
                status=Status.UNCHECKED,
            )
            for read_row in read.rows
        ],
        batch_size=500,
    )
    audit.record_created(actor=by, action="import.uploaded", target=run, at=at)
    from arraigo.exchange.tasks import check_import_run

    transaction.on_commit(lambda: check_import_run.enqueue(str(run.pk)))
    return run


def _still(run: ImportRun, status: str) -> ImportRun | None:
    """*run* locked, or None once it left *status* (discarded while the work went on)."""
    locked = ImportRun.objects.select_for_update().get(pk=run.pk)
    return locked if locked.status == status else None


def _finish(
    run: ImportRun,
    *,
    running: str,
    values: Callable[[ImportRun, datetime.datetime], dict[str, Any]],
    actor: User,
    action: str,
    clock: Callable[[], datetime.datetime],
) -> ImportRun:
    """Write the end of *run*'s background work, *values* of the run locked at that moment, as
    *action*; unless it left *running* meanwhile (discarded), when nothing is written."""
    with transaction.atomic():
        locked = _still(run, running)
        if locked is None:
            return run
        at = clock()
        audit.save_fields(locked, values(locked, at), actor=actor, action=action, at=at)
        return locked


def _progress(run: ImportRun, *, at: datetime.datetime, **counts: int) -> None:
    # A counter for the page, not a change anyone decides: written without an audit event, as
    # duplicate detection's passes write theirs.
    ImportRun.objects.filter(pk=run.pk).update(updated_at=at, **counts)


def _chunks(run: ImportRun) -> Iterable[tuple[int, list[ImportRow]]]:
    """(rows gone through so far, the next rows) in the file's order, CHUNK_ROWS at a time."""
    pks = list(run.rows.order_by("line").values_list("pk", flat=True))
    for start in range(0, len(pks), CHUNK_ROWS):
        part = pks[start : start + CHUNK_ROWS]
        rows = ImportRow.objects.filter(pk__in=part).select_related("same_person", "run")
        yield start + len(part), list(rows.order_by("line"))


def _failed(run: ImportRun, error: Exception, *, at: datetime.datetime, actor: User | None) -> None:
    """Mark *run* as stopped by *error*, unless it was discarded meanwhile."""
    logger.exception("Background work of import %s failed", run.pk)
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if not locked.is_running:
            return
        counts = _counts(locked.rows.all()) if locked.status == RunStatus.IMPORTING else {}
        audit.save_fields(
            locked,
            {"status": RunStatus.FAILED, "error": type(error).__name__[:200], **counts},
            actor=actor,
            action="import.failed",
            at=at,
        )


def import_run_check(
    *, run: ImportRun, clock: Callable[[], datetime.datetime] = timezone.now
) -> ImportRun:
    """Check each row of an uploaded import as a registration is checked, in the file's order
    and CHUNK_ROWS rows a transaction, writing the rows checked so far; then the import waits
    for confirmation. Rows with errors, already registered or imported, with the same document
    as an earlier row, or that may be someone registered or an earlier row, are told so.

    Stops without a word if the import is discarded meanwhile; marks it FAILED (and raises)
    if the check fails.

    :raises ImportNotWaiting: if the import is not waiting to be checked.
    """
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.CHECKING:
            raise ImportNotWaiting(_("This import is not waiting to be checked."))
        _progress(run, at=clock(), rows_checked=0)
    organisation = run.organisation
    try:
        with translation.override(run.language or None):
            cleaner = RowCleaner(
                organisation=organisation, programme=run.programme, by=run.uploaded_by
            )
            within = _WithinFile(organisation)
            documents_seen: dict[tuple[str, str], int] = {}
            for done, rows in _chunks(run):
                with transaction.atomic():
                    if _still(run, RunStatus.CHECKING) is None:
                        return run
                    checked = [(row, cleaner.clean(row.values)) for row in rows]
                    registry = _registry_of(organisation, checked)
                    at = clock()
                    for row, clean in checked:
                        _check_row(
                            row,
                            clean=clean,
                            cleaner=cleaner,
                            organisation=organisation,
                            registry=registry,
                            documents_seen=documents_seen,
                            at=at,
                        )
                        within.compare(row, clean)
                        row.updated_at = at
                    ImportRow.objects.bulk_update(rows, CHECKED_FIELDS)
                    _progress(run, at=at, rows_checked=done)
            return _finish(
                run,
                running=RunStatus.CHECKING,
                values=lambda locked, at: {
                    "status": RunStatus.CHECKED,
                    "rows_checked": locked.rows_total,
                    "rows_with_errors": locked.rows.filter(status=Status.ERROR).count(),
                },
                actor=run.uploaded_by,
                action="import.checked",
                clock=clock,
            )
    except Exception as error:
        _failed(run, error, at=clock(), actor=run.uploaded_by)
        raise


# --- Answers --------------------------------------------------------------------------------


def _open(run: ImportRun) -> ImportRun:
    locked = ImportRun.objects.select_for_update().get(pk=run.pk)
    if locked.status in (ImportRun.Status.CHECKING, ImportRun.Status.IMPORTING):
        raise ImportNotOpen(_("This import is still in progress: wait until it is done."))
    if locked.status != ImportRun.Status.CHECKED:
        raise _no_longer_open(locked)
    return locked


def _no_longer_open(run: ImportRun) -> ImportNotOpen:
    return ImportNotOpen(
        _("This import was already %(status)s.") % {"status": run.get_status_display().lower()}
    )


@transaction.atomic
def import_row_answer(
    *,
    row: ImportRow,
    answer: str,
    by: User,
    at: datetime.datetime,
    same_person: uuid.UUID | None = None,
) -> ImportRow:
    """Record the user's answer to a row's possible duplicates: the same person as one of the
    registered people shown (*same_person*), a new person, or skip the row.

    :raises ImportNotOpen: if the import was already confirmed or discarded.
    :raises AnswerNotOffered: if the row has no possible duplicates, or *same_person* is not one
        of the organisation's people it showed.
    """
    _open(row.run)
    if row.status != Status.POSSIBLE_DUPLICATE or answer not in Answer.values:
        raise AnswerNotOffered(_("This row asks for no answer."))
    chosen: Participant | None = None
    if answer == Answer.SAME_PERSON:
        chosen = next(
            (
                m.participant
                for m in shown_matches(row)
                if m.same_organisation and m.participant_id == same_person
            ),
            None,
        )
        if chosen is None:
            raise AnswerNotOffered(
                _("This person was not among the possible duplicates found; check again.")
            )
    audit.save_fields(
        row,
        {"answer": answer, "same_person": chosen},
        actor=by,
        action="import_row.answered",
        at=at,
    )
    return row


# --- Confirming, checking again, importing, discarding -------------------------------------------


@transaction.atomic
def import_run_confirm(*, run: ImportRun, by: User, at: datetime.datetime) -> ImportRun:
    """Confirm a checked import: it is imported in the background (``tasks.import_run``) once
    this transaction commits, by ``import_run_import``.

    :raises ImportNotOpen: if the import is not checked and waiting for confirmation.
    :raises AnswersMissing: while a possible duplicate has no answer.
    """
    run = _open(run)
    waiting = run.rows.filter(status=Status.POSSIBLE_DUPLICATE, answer="").count()
    if waiting:
        raise AnswersMissing(
            _("%(count)s rows with possible duplicates wait for your answer.") % {"count": waiting}
            if waiting > 1
            else _("One row with possible duplicates waits for your answer.")
        )
    audit.save_fields(
        run,
        {
            "status": RunStatus.IMPORTING,
            "confirmed_by": by,
            "confirmed_at": at,
            "language": translation.get_language() or "",
            "rows_checked": 0,
            "rows_processed": 0,
            "rows_asked_again": 0,
        },
        actor=by,
        action="import.confirmed",
        at=at,
    )
    from arraigo.exchange.tasks import import_run

    transaction.on_commit(lambda: import_run.enqueue(str(run.pk)))
    return run


def _check_again(run: ImportRun, *, by: User, clock: Callable[[], datetime.datetime]) -> int | None:
    """Check the rows to be imported again against the registry as it is now, as the
    registration page does before saving; returns how many rows now show someone they did not
    show before (their answer is cleared: the user is asked again), or None if the import was
    discarded meanwhile."""
    organisation = run.organisation
    cleaner = RowCleaner(organisation=organisation, programme=run.programme, by=by)
    asked_again = 0
    for done, rows in _chunks(run):
        with transaction.atomic():
            if _still(run, RunStatus.IMPORTING) is None:
                return None
            to_check = [r for r in rows if r.status in (Status.READY, Status.POSSIBLE_DUPLICATE)]
            checked = [(row, cleaner.clean(row.values)) for row in to_check]
            registry = _registry_of(organisation, checked)
            at = clock()
            for row, clean in checked:
                shown = {m["participant"] for m in row.matches or [] if m.get("participant")}
                in_file = [m for m in row.matches or [] if m.get("line")]
                before = (row.status, row.answer, row.same_person_id)
                _check_row(
                    row,
                    clean=clean,
                    cleaner=cleaner,
                    organisation=organisation,
                    registry=registry,
                    documents_seen={},
                    at=at,
                    # The registry's rules were tried at upload; importing applies them again.
                    trial=False,
                )
                found = {m["participant"] for m in row.matches}
                if row.status in (Status.READY, Status.POSSIBLE_DUPLICATE):
                    row.matches = [*row.matches, *in_file]
                    row.status = Status.POSSIBLE_DUPLICATE if row.matches else Status.READY
                if found - shown:
                    row.answer, row.same_person = "", None
                    asked_again += 1
                elif row.status != Status.POSSIBLE_DUPLICATE:
                    row.answer, row.same_person = "", None
                if (row.status, row.answer, row.same_person_id) != before or found != shown:
                    row.save(update_fields=[*CHECKED_FIELDS, "answer", "same_person"])
            _progress(run, at=at, rows_checked=done)
    return asked_again


def _failure(error: Exception) -> dict[str, list[str]]:
    if isinstance(error, people_services.DocumentAlreadyRegistered):
        return {"document_number": [error.message]}
    if isinstance(error, ApplicationError):
        return {error.field or ROW: [error.message]}
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {name: list(messages) for name, messages in error.message_dict.items()}
        return {ROW: list(error.messages)}
    return {ROW: [_("You may not register people in this programme.")]}


def _import_row(
    row: ImportRow, *, run: ImportRun, cleaner: RowCleaner, by: User, at: datetime.datetime
) -> None:
    """Register or enrol the person of *row*, all or nothing; a refusal is kept at the row."""
    clean = cleaner.clean(row.values)
    if clean.errors or clean.details is None:
        row.outcome, row.failure = Outcome.FAILED, clean.errors
        return
    shown = shown_matches(row)
    registration: dict[str, Any] = {
        "by": by,
        "at": at,
        "programme": run.programme,
        "details": clean.details,
        "documents": clean.documents,
        "household_size": clean.household_size,
        "household_dependants": clean.household_dependants,
    }
    try:
        with transaction.atomic():
            if row.answer == Answer.SAME_PERSON and row.same_person is not None:
                dedup_services.registration_same_person(
                    participant=row.same_person,
                    programme=run.programme,
                    shown=shown,
                    source=Decision.Source.IMPORT,
                    by=by,
                    at=at,
                )
                row.outcome, row.participant = Outcome.ENROLLED, row.same_person
            elif shown:
                row.participant = dedup_services.registration_new_person(
                    shown=shown, source=Decision.Source.IMPORT, **registration
                )
                row.outcome = Outcome.REGISTERED
            else:
                row.participant = people_services.participant_register(**registration)
                row.outcome = Outcome.REGISTERED
    except (ApplicationError, ValidationError, PermissionDenied) as error:
        row.outcome, row.participant, row.failure = Outcome.FAILED, None, _failure(error)


def _import_rows(run: ImportRun, *, by: User, clock: Callable[[], datetime.datetime]) -> bool:
    """Import the rows CHUNK_ROWS a transaction, each row all or nothing; False if the import
    was discarded meanwhile. A row with an outcome already (work run twice) is left as it is."""
    cleaner = RowCleaner(organisation=run.organisation, programme=run.programme, by=by)
    for done, rows in _chunks(run):
        with transaction.atomic():
            if _still(run, RunStatus.IMPORTING) is None:
                return False
            at = clock()
            rows = [row for row in rows if not row.outcome]
            for row in rows:
                if row.status in (Status.ALREADY_REGISTERED, Status.ALREADY_IMPORTED):
                    row.outcome = Outcome.UNCHANGED
                elif row.status in (Status.ERROR, Status.SAME_IN_FILE) or row.answer == Answer.SKIP:
                    row.outcome = Outcome.SKIPPED
                else:
                    _import_row(row, run=run, cleaner=cleaner, by=by, at=at)
                row.updated_at = at
            ImportRow.objects.bulk_update(rows, ["outcome", "participant", "failure", "updated_at"])
            _progress(run, at=at, rows_processed=done)
    return True


def import_run_import(
    *, run: ImportRun, clock: Callable[[], datetime.datetime] = timezone.now
) -> ImportRun:
    """Import a confirmed import, as who confirmed it: check the rows to be imported again
    against the registry as it is now, and if some now show someone they did not, send the
    import back to be answered again (its ``rows_asked_again``); otherwise register the new
    people and enrol the same people as answered, each row all or nothing (a row refused keeps
    why, and the others go on). Rows with errors, skipped, or whose person is already
    registered or imported, change nothing.

    Goes CHUNK_ROWS rows a transaction, writing its progress; stops without a word if the import
    is discarded meanwhile; marks it FAILED (and raises) if the work fails.

    :raises ImportNotWaiting: if the import is not confirmed and waiting to be imported.
    """
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.IMPORTING:
            raise ImportNotWaiting(_("This import is not waiting to be imported."))
    by = run.confirmed_by
    assert by is not None  # a constraint of ImportRun
    try:
        with translation.override(run.language or None):
            asked_again = _check_again(run, by=by, clock=clock)
            if asked_again is None:
                return run
            if asked_again:
                return _finish(
                    run,
                    running=RunStatus.IMPORTING,
                    values=lambda locked, at: {
                        "status": RunStatus.CHECKED,
                        "rows_asked_again": asked_again,
                        "confirmed_by": None,
                        "confirmed_at": None,
                    },
                    actor=by,
                    action="import.checked_again",
                    clock=clock,
                )
            if not _import_rows(run, by=by, clock=clock):
                return run
            return _finish(
                run,
                running=RunStatus.IMPORTING,
                values=lambda locked, at: {
                    "status": RunStatus.IMPORTED,
                    "finished_by": by,
                    "finished_at": at,
                    "rows_processed": locked.rows_total,
                    **_counts(locked.rows.all()),
                },
                actor=by,
                action="import.imported",
                clock=clock,
            )
    except Exception as error:
        _failed(run, error, at=clock(), actor=by)
        raise


def _counts(rows: Iterable[ImportRow]) -> dict[str, int]:
    outcomes = [row.outcome for row in rows]
    return {
        "rows_registered": outcomes.count(Outcome.REGISTERED),
        "rows_enrolled": outcomes.count(Outcome.ENROLLED),
        "rows_unchanged": outcomes.count(Outcome.UNCHANGED),
        "rows_failed": outcomes.count(Outcome.FAILED),
    }


@transaction.atomic
def import_run_discard(*, run: ImportRun, by: User, at: datetime.datetime) -> ImportRun:
    """Discard an import without importing anything more; its rows' values are erased. An
    import being checked, or stopped by an error, may be discarded; one being imported only
    once its work has stalled (people it imported stay registered).

    :raises ImportNotOpen: if the import was already imported or discarded, or is being
        imported.
    """
    locked = ImportRun.objects.select_for_update().get(pk=run.pk)
    if not is_discardable(locked, at=at):
        raise _no_longer_open(locked)
    run = locked
    run.rows.update(values={}, matches=[], errors={}, updated_at=at)
    audit.save_fields(
        run,
        {"status": ImportRun.Status.DISCARDED, "finished_by": by, "finished_at": at},
        actor=by,
        action="import.discarded",
        at=at,
    )
    return run
