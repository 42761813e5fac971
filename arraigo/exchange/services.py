"""Writes of imports: a file uploaded and checked, the user's answers row by row, the import
confirmed (each row registered or enrolled through the registry's and duplicate detection's
services) or discarded."""

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
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


class FileAlreadyUploaded(ApplicationError):
    """Raised when a file is uploaded again without saying it is meant."""

    def __init__(self, previous: ImportRun) -> None:
        when = date_format(timezone.localtime(previous.uploaded_at), "DATETIME_FORMAT")
        values = {"when": when, "who": previous.uploaded_by}
        if previous.status == ImportRun.Status.IMPORTED:
            message = _("This file was imported on %(when)s by %(who)s.") % values
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
                run__status=ImportRun.Status.IMPORTED,
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


def _compare_within_file(
    organisation: Organisation, checked: list[tuple[ImportRow, CleanRow]]
) -> None:
    """Rows of the file that may be the same person as an earlier row (not by the same
    document, which is told apart) are possible duplicates too: the engine compares each row
    with the earlier rows sharing one of its blocking keys."""
    model = model_for(organisation)
    by_key: dict[str, list[PersonRecord]] = {}
    lines: dict[str, int] = {}
    for row, clean in checked:
        if row.status not in (Status.READY, Status.POSSIBLE_DUPLICATE) or clean.details is None:
            continue
        record = record_from_details(clean.details, clean.documents, id=f"line-{row.line}")
        keys = blocking_keys(record)
        earlier = {c.id: c for key in keys for c in by_key.get(key, [])}
        if earlier:
            for scored in match_one(model, record, earlier.values(), limit=3):
                row.matches = [
                    *row.matches,
                    {
                        "line": lines[scored.id_b],
                        "probability": round(scored.probability, 4),
                        "reasons": [
                            {"field": r.field, "level": r.level, "weight": round(r.weight, 3)}
                            for r in reasons(scored.comparisons, a=record, b=earlier[scored.id_b])
                        ],
                        "explanation": comparisons_as_json(scored.comparisons),
                    },
                ]
                row.status = Status.POSSIBLE_DUPLICATE
        lines[record.id] = row.line
        for key in keys:
            by_key.setdefault(key, []).append(record)


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
    """Read a participants file for *programme* and check each row as a registration is checked;
    nothing is registered until the import is confirmed.

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
        uploaded_by=by,
        uploaded_at=at,
        rows_total=len(read.rows),
    )
    run.save(force_insert=True)
    cleaner = RowCleaner(organisation=organisation, programme=programme, by=by)
    checked = [
        (
            ImportRow(
                run=run,
                line=read_row.line,
                values=read_row.values,
                values_key=_values_key(organisation.pk, read_row.values),
            ),
            cleaner.clean(read_row.values),
        )
        for read_row in read.rows
    ]
    registry = _registry_of(organisation, checked)
    documents_seen: dict[tuple[str, str], int] = {}
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
    _compare_within_file(organisation, checked)
    ImportRow.objects.bulk_create([row for row, _clean in checked], batch_size=500)
    run.rows_with_errors = sum(1 for row, _clean in checked if row.status == Status.ERROR)
    run.save(update_fields=["rows_with_errors", "updated_at"])
    audit.record_created(actor=by, action="import.uploaded", target=run, at=at)
    return run


# --- Answers --------------------------------------------------------------------------------


def _open(run: ImportRun) -> ImportRun:
    locked = ImportRun.objects.select_for_update().get(pk=run.pk)
    if locked.status != ImportRun.Status.CHECKED:
        raise ImportNotOpen(
            _("This import was already %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


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


# --- Checking again, confirming, discarding -------------------------------------------------------


@transaction.atomic
def import_run_check_again(*, run: ImportRun, by: User, at: datetime.datetime) -> int:
    """Check the rows to be imported again against the registry as it is now, as the
    registration page does before saving; returns how many rows now show someone they did not
    show before (their answer is cleared: the user is asked again).

    :raises ImportNotOpen: if the import was already confirmed or discarded.
    """
    run = _open(run)
    organisation = run.organisation
    cleaner = RowCleaner(organisation=organisation, programme=run.programme, by=by)
    asked_again = 0
    to_check = run.rows.filter(status__in=[Status.READY, Status.POSSIBLE_DUPLICATE])
    checked = [(row, cleaner.clean(row.values)) for row in to_check.order_by("line")]
    registry = _registry_of(organisation, checked)
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
            # The registry's rules were tried at upload; confirming applies them again.
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
            row.save(
                update_fields=[
                    "status",
                    "errors",
                    "matches",
                    "same_as_line",
                    "participant",
                    "answer",
                    "same_person",
                    "updated_at",
                ]
            )
    if asked_again:
        audit.record(
            actor=by,
            action="import.checked_again",
            target=run,
            at=at,
            changes={"rows_asked_again": [None, asked_again]},
        )
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


@transaction.atomic
def import_run_confirm(*, run: ImportRun, by: User, at: datetime.datetime) -> ImportRun:
    """Import the checked rows: register the new people and enrol the same people as answered,
    each row all or nothing (a row refused keeps why, and the others go on). Rows with errors,
    skipped, or whose person is already registered or imported, change nothing.

    :raises ImportNotOpen: if the import was already confirmed or discarded.
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
    cleaner = RowCleaner(organisation=run.organisation, programme=run.programme, by=by)
    rows = list(run.rows.select_related("same_person", "run").order_by("line"))
    for row in rows:
        if row.status in (Status.ALREADY_REGISTERED, Status.ALREADY_IMPORTED):
            row.outcome = Outcome.UNCHANGED
        elif row.status in (Status.ERROR, Status.SAME_IN_FILE) or row.answer == Answer.SKIP:
            row.outcome = Outcome.SKIPPED
        else:
            _import_row(row, run=run, cleaner=cleaner, by=by, at=at)
    for row in rows:
        row.updated_at = at
    ImportRow.objects.bulk_update(
        rows, ["outcome", "participant", "failure", "updated_at"], batch_size=500
    )
    counts = {
        "rows_registered": _count(rows, Outcome.REGISTERED),
        "rows_enrolled": _count(rows, Outcome.ENROLLED),
        "rows_unchanged": _count(rows, Outcome.UNCHANGED),
        "rows_failed": _count(rows, Outcome.FAILED),
    }
    audit.save_fields(
        run,
        {"status": ImportRun.Status.IMPORTED, "finished_by": by, "finished_at": at, **counts},
        actor=by,
        action="import.confirmed",
        at=at,
    )
    return run


def _count(rows: Iterable[ImportRow], outcome: str) -> int:
    return sum(1 for row in rows if row.outcome == outcome)


@transaction.atomic
def import_run_discard(*, run: ImportRun, by: User, at: datetime.datetime) -> ImportRun:
    """Discard a checked import without importing anything; its rows' values are erased.

    :raises ImportNotOpen: if the import was already confirmed or discarded.
    """
    run = _open(run)
    run.rows.update(values={}, matches=[], errors={}, updated_at=at)
    audit.save_fields(
        run,
        {"status": ImportRun.Status.DISCARDED, "finished_by": by, "finished_at": at},
        actor=by,
        action="import.discarded",
        at=at,
    )
    return run
