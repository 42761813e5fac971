"""Writes of duplicate detection: decisions at registration and in review, batch passes, sharing
agreements. Merging and undoing a merge are in ``merging`` and re-exported here."""

import datetime
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from arraigo.accounts.models import Organisation, User
from arraigo.accounts.permissions import membership_of
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.dedup import engine
from arraigo.dedup.check import Match, model_for
from arraigo.dedup.merging import (
    FIELD_GROUPS,
    AlreadyMerged,
    FieldGroup,
    MergeAcrossOrganisations,
    MergeAlreadyUndone,
    MergeNotUndoable,
    MergeRefused,
    merge_participants,
    merge_undo,
    participant_links,
)
from arraigo.dedup.models import (
    BatchJob,
    CandidatePair,
    Decision,
    FittedModel,
    SharingAgreement,
)
from arraigo.dedup.reasons import comparisons_as_json
from arraigo.people import services as people_services
from arraigo.people.blocking import ordered_documents, person_record
from arraigo.people.models import Enrolment, IdentityDocument, Participant
from arraigo.programmes.models import Programme

# Merging lives in ``merging``; its public names are part of this module's.
__all__ = [
    "FIELD_GROUPS",
    "AlreadyMerged",
    "FieldGroup",
    "MergeAcrossOrganisations",
    "MergeAlreadyUndone",
    "MergeNotUndoable",
    "MergeRefused",
    "merge_participants",
    "merge_undo",
    "participant_links",
]

logger = logging.getLogger(__name__)

# A pass fits the organisation's model again from at least this many people (and no fewer
# than the stored model was fitted on): below that, the engine's defaults or the last model
# fitted on more people serve better.
MIN_RECORDS_TO_FIT = 1000
# A pass whose progress has not moved for this long is taken as stopped (its worker was
# stopped or died): it no longer keeps the organisation from starting another.
STALLED_AFTER = datetime.timedelta(hours=2)


class NotAPossibleDuplicate(ApplicationError):
    """Raised when a registration is linked to someone the check did not find for it."""


class PairAlreadyDecided(ApplicationError):
    """Raised when a decision is taken on a pair that was already decided."""


class PassAlreadyRunning(ApplicationError):
    """Raised when a pass is started while another one of the organisation waits or runs."""


class PassNotQueued(ApplicationError):
    """Raised when a pass that already ran (or is running) is run again."""


class AgreementOver(ApplicationError):
    """Raised when an agreement that already ended or expired is ended."""


def _decision(
    *,
    organisation: Organisation | Any,
    kind: str,
    source: str,
    by: User,
    at: datetime.datetime,
    pair: CandidatePair | None = None,
    participant: Participant | None = None,
    shown: Sequence[Match] = (),
    reason: str = "",
) -> Decision:
    decision = Decision(
        organisation_id=getattr(organisation, "pk", organisation),
        kind=kind,
        source=source,
        pair=pair,
        participant=participant,
        candidates=[match.as_shown() for match in shown],
        reason=reason.strip(),
        decided_by=by,
        decided_at=at,
    )
    decision.save(force_insert=True)
    audit.record_created(
        actor=by, action=f"duplicate_decision.{kind.lower()}", target=decision, at=at
    )
    return decision


def _ordered(first: Any, second: Any) -> tuple[Any, Any]:
    return (first, second) if first < second else (second, first)


def _pair_found(
    *,
    organisation_id: Any,
    first: Any,
    second: Any,
    probability: float,
    explanation: list[dict[str, Any]],
    found_by: str,
    at: datetime.datetime,
    by: User,
    batch: BatchJob | None = None,
) -> CandidatePair:
    """The pair of *first* and *second*, recorded or brought up to date if still open."""
    a, b = _ordered(first, second)
    pair = CandidatePair.objects.filter(participant_a_id=a, participant_b_id=b).first()
    if pair is None:
        pair = CandidatePair.objects.create(
            organisation_id=organisation_id,
            participant_a_id=a,
            participant_b_id=b,
            probability=min(max(probability, 0.0), 1.0),
            explanation=explanation,
            found_by=found_by,
            batch=batch,
            found_at=at,
        )
        audit.record_created(actor=by, action="duplicate_pair.found", target=pair, at=at)
    elif pair.status == CandidatePair.Status.OPEN:
        pair.probability = min(max(probability, 0.0), 1.0)
        pair.explanation = explanation or pair.explanation
        pair.save(update_fields=["probability", "explanation", "updated_at"])
    return pair


# --- At registration ----------------------------------------------------------------------------


@transaction.atomic
def registration_same_person(
    *,
    participant: Participant,
    programme: Programme,
    shown: Sequence[Match],
    source: str,
    by: User,
    at: datetime.datetime,
) -> Enrolment:
    """The person being registered is *participant*: enrol it in *programme* instead of
    registering it again, and record the decision with the candidates *shown*.

    :raises NotAPossibleDuplicate: if *participant* is not one of the organisation's people
        among *shown*.
    :raises PermissionDenied: if *by* is not a member of *participant*'s organisation.
    """
    membership = membership_of(by)
    if membership is None or membership.organisation_id != participant.organisation_id:
        raise PermissionDenied
    if not any(
        match.same_organisation and match.participant_id == participant.pk for match in shown
    ):
        raise NotAPossibleDuplicate(
            _("This person was not among the possible duplicates found; check again.")
        )
    enrolment = people_services.participant_enrol(
        participant=participant, programme=programme, by=by, at=at
    )
    _decision(
        organisation=participant.organisation_id,
        kind=Decision.Kind.SAME_PERSON,
        source=source,
        participant=participant,
        shown=shown,
        by=by,
        at=at,
    )
    return enrolment


@transaction.atomic
def registration_new_person(
    *,
    programme: Programme,
    details: people_services.ParticipantDetails,
    documents: list[people_services.DocumentDetails],
    shown: Sequence[Match],
    source: str,
    by: User,
    at: datetime.datetime,
    household_size: int | None = None,
    household_dependants: int = 0,
) -> Participant:
    """Register the person although the check found the possible duplicates *shown*.

    The decision is recorded with what was shown, and each of the organisation's own people
    shown becomes a pair in the review queue (found at registration), so that a manager looks
    at it again; the decision keeps the registration from being held up.

    :raises: what ``people.services.participant_register`` raises.
    """
    participant = people_services.participant_register(
        by=by,
        at=at,
        programme=programme,
        details=details,
        documents=documents,
        household_size=household_size,
        household_dependants=household_dependants,
    )
    decision = _decision(
        organisation=participant.organisation_id,
        kind=Decision.Kind.NEW_PERSON,
        source=source,
        participant=participant,
        shown=shown,
        by=by,
        at=at,
    )
    for match in shown:
        if match.same_organisation:
            pair = _pair_found(
                organisation_id=participant.organisation_id,
                first=participant.pk,
                second=match.participant_id,
                probability=match.probability,
                explanation=list(match.explanation),
                found_by=CandidatePair.FoundBy.REGISTRATION,
                at=at,
                by=by,
            )
            if decision.pair_id is None:
                decision.pair = pair
                decision.save(update_fields=["pair", "updated_at"])
    return participant


# --- In review ----------------------------------------------------------------------------------


def _decide(
    *, pair: CandidatePair, status: str, kind: str, by: User, at: datetime.datetime, reason: str
) -> CandidatePair:
    pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != CandidatePair.Status.OPEN:
        raise PairAlreadyDecided(
            _("This pair was already decided: %(status)s.") % {"status": pair.get_status_display()}
        )
    audit.save_fields(
        pair,
        {"status": status, "decided_at": at},
        actor=by,
        action=f"duplicate_pair.{status.lower()}",
        at=at,
    )
    _decision(
        organisation=pair.organisation_id,
        kind=kind,
        source=Decision.Source.REVIEW,
        pair=pair,
        by=by,
        at=at,
        reason=reason,
    )
    return pair


@transaction.atomic
def pair_not_duplicate(
    *, pair: CandidatePair, by: User, at: datetime.datetime, reason: str = ""
) -> CandidatePair:
    """Record that the two people of *pair* are different people; later passes remember it.

    :raises PairAlreadyDecided: if the pair is no longer open.
    """
    return _decide(
        pair=pair,
        status=CandidatePair.Status.NOT_DUPLICATE,
        kind=Decision.Kind.NOT_DUPLICATE,
        by=by,
        at=at,
        reason=reason,
    )


@transaction.atomic
def pair_dismiss(
    *, pair: CandidatePair, by: User, at: datetime.datetime, reason: str = ""
) -> CandidatePair:
    """Set *pair* aside: it leaves the queue until a later pass finds it again.

    :raises PairAlreadyDecided: if the pair is no longer open.
    """
    return _decide(
        pair=pair,
        status=CandidatePair.Status.DISMISSED,
        kind=Decision.Kind.DISMISSED,
        by=by,
        at=at,
        reason=reason,
    )


# --- Batch passes -------------------------------------------------------------------------------


@transaction.atomic
def batch_job_start(
    *, by: User, at: datetime.datetime, programme: Programme | None = None
) -> BatchJob:
    """Queue a pass over *programme*'s people, or the whole organisation's without one.

    The pass runs in the background (``tasks.run_batch_job``) once this transaction commits.

    :raises PassAlreadyRunning: if a pass of the organisation is waiting or running.
    :raises PermissionDenied: if *by* has no membership, or *programme* is another
        organisation's.
    """
    membership = membership_of(by)
    if membership is None:
        raise PermissionDenied
    organisation = membership.organisation
    if programme is not None and programme.organisation_id != organisation.pk:
        raise PermissionDenied
    running = BatchJob.objects.select_for_update().filter(
        organisation=organisation, status__in=[BatchJob.Status.QUEUED, BatchJob.Status.RUNNING]
    )
    for stalled in running.filter(updated_at__lt=at - STALLED_AFTER):
        audit.save_fields(
            stalled,
            {"status": BatchJob.Status.FAILED, "finished_at": at, "error": "Stalled"},
            actor=by,
            action="duplicate_pass.stalled",
            at=at,
        )
    if running.exists():
        raise PassAlreadyRunning(
            _("A pass is already waiting or running; wait for it to finish before starting one.")
        )
    job = BatchJob(
        organisation=organisation,
        scope=BatchJob.Scope.PROGRAMME if programme else BatchJob.Scope.ORGANISATION,
        programme=programme,
        started_by=by,
        queued_at=at,
    )
    job.full_clean(exclude=["organisation", "programme", "started_by"])
    job.save(force_insert=True)
    audit.record_created(actor=by, action="duplicate_pass.queued", target=job, at=at)
    from arraigo.dedup.tasks import run_batch_job

    transaction.on_commit(lambda: run_batch_job.enqueue(str(job.pk)))
    return job


def _registry(job: BatchJob) -> Iterator[engine.PersonRecord]:
    """The people a pass compares, not merged, as the engine reads them."""
    participants = Participant.objects.filter(
        organisation_id=job.organisation_id, merged_into__isnull=True
    )
    documents = IdentityDocument.objects.filter(organisation_id=job.organisation_id)
    if job.programme_id is not None:
        enrolled = Enrolment.objects.filter(participant=OuterRef("pk"), programme=job.programme_id)
        participants = participants.filter(Exists(enrolled))
        documents = documents.filter(
            Exists(
                Enrolment.objects.filter(
                    participant=OuterRef("participant_id"), programme=job.programme_id
                )
            )
        )
    held: dict[Any, list[tuple[str, str]]] = {}
    for participant_id, kind, number in documents.values_list(
        "participant_id", "kind", "number_normalized"
    ).iterator(chunk_size=10_000):
        held.setdefault(participant_id, []).append((kind, number))
    rows = participants.order_by("pk").values_list(
        "pk",
        "given_names",
        "first_surname",
        "second_surname",
        "sex",
        "birth_date",
        "phone",
        "address",
        "municipality__name",
    )
    for pk, given, first, second, sex, born, phone, address, town in rows.iterator(
        chunk_size=10_000
    ):
        document = ordered_documents(held.get(pk, []))
        yield person_record(
            id=pk,
            given_names=given,
            first_surname=first,
            second_surname=second,
            sex=sex,
            birth_date=born,
            phone=phone,
            address=address,
            municipality=town or "",
            document_number=document[0][1] if document else "",
        )


def _set_progress(job: BatchJob, percent: int) -> None:
    if percent > job.progress:
        job.progress = min(percent, 100)
        # Written at once, outside the pass's transaction, so that its page can show it.
        BatchJob.objects.filter(pk=job.pk).update(progress=job.progress, updated_at=timezone.now())


def _fit_if_worth_it(
    job: BatchJob, table: engine.Table, *, at: datetime.datetime
) -> tuple[engine.Model, bool]:
    """The organisation's model fitted again on *table* when it has enough people."""
    stored = FittedModel.objects.filter(organisation_id=job.organisation_id).first()
    enough = len(table) >= MIN_RECORDS_TO_FIT and (stored is None or len(table) >= stored.records)
    if not enough:
        return model_for(job.organisation), False
    model = engine.train(table)
    with transaction.atomic():
        fitted = stored or FittedModel(organisation_id=job.organisation_id)
        before = audit.snapshot(fitted) if stored else {}
        fitted.parameters = model.to_json()
        fitted.fitted_at = at
        fitted.records = len(table)
        fitted.batch = job
        fitted.save()
        audit.record(
            actor=job.started_by,
            action="duplicate_model.fitted",
            target=fitted,
            at=at,
            changes={
                name: value
                for name, value in audit.changes_between(before, fitted).items()
                if name != "parameters"
            },
        )
    return model, True


def _write_pairs(
    job: BatchJob, found: list[engine.ScoredPair], *, at: datetime.datetime
) -> tuple[int, int]:
    """Record the pairs a pass found: new ones open, open ones updated, decided ones left as
    decided (a pair set aside opens again). Returns (new, skipped as decided)."""
    by_ids = {
        _ordered(pair.id_a, pair.id_b): pair for pair in found
    }  # ids as strings: ordered as the UUIDs are
    existing = {
        (str(a), str(b)): (pk, status)
        for pk, a, b, status in CandidatePair.objects.filter(
            organisation_id=job.organisation_id
        ).values_list("pk", "participant_a_id", "participant_b_id", "status")
    }
    created, updated, skipped = [], [], 0
    decided = {CandidatePair.Status.NOT_DUPLICATE, CandidatePair.Status.MERGED}
    for (a, b), scored in by_ids.items():
        explanation = _explanation(scored)
        known = existing.get((a, b))
        if known is None:
            created.append(
                CandidatePair(
                    organisation_id=job.organisation_id,
                    participant_a_id=a,
                    participant_b_id=b,
                    probability=min(max(scored.probability, 0.0), 1.0),
                    explanation=explanation,
                    found_by=CandidatePair.FoundBy.BATCH,
                    batch=job,
                    found_at=at,
                )
            )
        elif known[1] in decided:
            skipped += 1
        else:
            updated.append(
                CandidatePair(
                    pk=known[0],
                    probability=min(max(scored.probability, 0.0), 1.0),
                    explanation=explanation,
                    status=CandidatePair.Status.OPEN,
                    batch=job,
                    updated_at=at,
                )
            )
    CandidatePair.objects.bulk_create(created, batch_size=1000)
    CandidatePair.objects.bulk_update(
        updated, ["probability", "explanation", "status", "batch", "updated_at"], batch_size=1000
    )
    return len(created), skipped


def _explanation(scored: engine.ScoredPair) -> list[dict[str, Any]]:
    return comparisons_as_json(scored.comparisons)


def batch_job_run(
    *, job: BatchJob, clock: Callable[[], datetime.datetime] = timezone.now
) -> BatchJob:
    """Run a queued pass: load its people, fit the organisation's model again when there are
    enough, find the pairs at or above the model's threshold and put them in the review queue.

    Progress is written as the pass goes; the pairs are written at the end, in one transaction.
    Pairs decided "not the same person" (or merged) before are left as decided.

    :raises PassNotQueued: if the pass is not waiting to run.
    """
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().get(pk=job.pk)
        if job.status != BatchJob.Status.QUEUED:
            raise PassNotQueued(_("This pass is not waiting to run."))
        started = clock()
        audit.save_fields(
            job,
            {"status": BatchJob.Status.RUNNING, "started_at": started, "progress": 0},
            actor=job.started_by,
            action="duplicate_pass.started",
            at=started,
        )
    try:
        table = engine.table_from(_registry(job))
        _set_progress(job, 5)
        model, fitted = _fit_if_worth_it(job, table, at=clock())
        _set_progress(job, 10)

        def progress(done: float) -> None:
            _set_progress(job, 10 + int(85 * done))

        found = list(engine.deduplicate(table, model=model, progress=progress))
        with transaction.atomic():
            new, skipped = _write_pairs(job, found, at=clock())
            finished = clock()
            audit.save_fields(
                job,
                {
                    "status": BatchJob.Status.FINISHED,
                    "progress": 100,
                    "records": len(table),
                    "pairs_found": len(found),
                    "pairs_new": new,
                    "pairs_skipped": skipped,
                    "model_fitted": fitted,
                    "finished_at": finished,
                },
                actor=job.started_by,
                action="duplicate_pass.finished",
                at=finished,
            )
    except Exception as error:
        logger.exception("Duplicate-detection pass %s failed", job.pk)
        failed = clock()
        with transaction.atomic():
            audit.save_fields(
                job,
                {
                    "status": BatchJob.Status.FAILED,
                    "finished_at": failed,
                    "error": type(error).__name__[:200],
                },
                actor=job.started_by,
                action="duplicate_pass.failed",
                at=failed,
            )
        raise
    return job


# --- Sharing agreements -------------------------------------------------------------------------


@transaction.atomic
def sharing_agreement_record(
    *,
    organisation: Organisation,
    other: Organisation,
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    signed_by: str,
    discloses_reference: bool,
    by: User | None,
    at: datetime.datetime,
) -> SharingAgreement:
    """Record an agreement letting each organisation's duplicate check look at the other's people.

    :raises ValidationError: if the two organisations are one, or the dates do not hold.
    """
    errors: dict[str, str] = {}
    if organisation.pk == other.pk:
        errors["organisation_b"] = _("An agreement is between two different organisations.")
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = _("The agreement must end after it starts.")
    if not signed_by.strip():
        errors["signed_by"] = _("Say who signed it for each organisation.")
    if errors:
        raise ValidationError(errors)
    agreement = SharingAgreement(
        organisation_a=organisation,
        organisation_b=other,
        valid_from=valid_from,
        valid_until=valid_until,
        signed_by=signed_by.strip(),
        discloses_reference=discloses_reference,
        recorded_by=by,
    )
    agreement.save(force_insert=True)
    audit.record_created(actor=by, action="sharing_agreement.recorded", target=agreement, at=at)
    return agreement


@transaction.atomic
def sharing_agreement_end(
    *, agreement: SharingAgreement, reason: str, by: User, at: datetime.datetime
) -> SharingAgreement:
    """End *agreement* at once, at the request of either organisation: from *at* on, neither
    one's duplicate check reads the other's people, whatever the agreement's dates said.

    :raises AgreementOver: if it already ended or expired.
    :raises ValidationError: keyed by field: no reason.
    """
    agreement = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    state = agreement.state_on(timezone.localdate(at))
    if state in (SharingAgreement.State.ENDED, SharingAgreement.State.EXPIRED):
        raise AgreementOver(_("This agreement is already over."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the agreement ends.")})
    audit.save_fields(
        agreement,
        {"ended_at": at, "ended_by": by, "end_reason": reason},
        actor=by,
        action="sharing_agreement.ended",
        at=at,
    )
    return agreement
