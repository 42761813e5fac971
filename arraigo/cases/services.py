"""Writes to cases. Every function validates, saves and audits in one transaction."""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arraigo.accounts.models import User
from arraigo.accounts.permissions import role_of
from arraigo.cases.models import (
    DEFAULT_HIGH_FROM,
    DEFAULT_MEDIUM_FROM,
    NEEDS_BY_DIMENSION,
    Case,
    CaseNote,
    Dimension,
    NeedLevel,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
    VulnerabilityCriterion,
    VulnerabilityScreening,
    VulnerabilityThresholds,
    default_criteria,
)
from arraigo.cases.permissions import RESTRICTED_NOTE_ROLES
from arraigo.cases.selectors import programme_staff
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.people.models import Enrolment, Participant
from arraigo.people.services import participant_enrol
from arraigo.programmes.models import Programme

NOTE_MAX_LENGTH = 10_000


class CaseAlreadyOpen(ApplicationError):
    """Raised when a participant already has a case in the programme (open, active or closed)."""


class ProgrammeNotRunByOrganisation(ApplicationError):
    """Raised when a case is opened in a programme the participant's organisation does not run."""


class NotACaseworkerOfProgramme(ApplicationError):
    """Raised when a case or an action is given to someone who does not work in the programme."""


class CaseClosed(ApplicationError):
    """Raised when a closed case is changed before it is reopened, or closed twice."""


class CaseNotClosed(ApplicationError):
    """Raised when a case that is not closed is reopened."""


class CaseAlreadyActive(ApplicationError):
    """Raised when a case that is already active is activated again."""


class CaseAlreadyAssigned(ApplicationError):
    """Raised when a case is assigned to the caseworker it already has."""


class RestrictedNoteNotAllowed(ApplicationError):
    """Raised when someone who is not psychosocial staff writes a restricted note."""


class PlanActionUnchanged(ApplicationError):
    """Raised when a plan action is given the status it already has."""


class NoVulnerabilityCriteria(ApplicationError):
    """Raised when a case is screened in a programme without criteria in use."""


class CriteriaInvalid(ApplicationError):
    """Raised when a programme's vulnerability criteria or thresholds do not hold."""


# --- Helpers ------------------------------------------------------------------------------------


def _require_not_closed(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise CaseClosed(_("This case is closed. Reopen it before changing it."))


def _check_staff(
    *, user: User, case_programme: Programme, organisation_id: UUID, field_name: str
) -> None:
    if (
        not programme_staff(programme=case_programme, organisation_id=organisation_id)
        .filter(pk=user.pk)
        .exists()
    ):
        raise NotACaseworkerOfProgramme(
            _("Choose someone of your organisation who works in this programme."),
            field=field_name,
        )


def _not_in_future(value: datetime.date, *, at: datetime.datetime, field_name: str) -> None:
    if value > timezone.localdate(at):
        raise ValidationError({field_name: _("This date cannot be in the future.")})


def _not_before_opening(value: datetime.date, *, case: Case, field_name: str) -> None:
    if value < case.opened_on:
        raise ValidationError(
            {
                field_name: _("This date is before the case was opened (%(date)s).")
                % {"date": case.opened_on.isoformat()}
            }
        )


def _activate(*, case: Case, by: User, at: datetime.datetime) -> None:
    audit.save_fields(
        case, {"status": Case.Status.ACTIVE}, actor=by, action="case.activated", at=at
    )


# --- The case -----------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    participant: Participant,
    programme: Programme,
    intake_channel: str,
    intake_summary: str,
    assigned_to: User | None,
    opened_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> Case:
    """Open the case of *participant* in *programme*, enrolling the person if needed.

    :raises ProgrammeNotRunByOrganisation: if the person's organisation does not run it.
    :raises CaseAlreadyOpen: if the person already has a case in the programme.
    :raises NotACaseworkerOfProgramme: if *assigned_to* does not work in the programme.
    :raises ValidationError: keyed by field, e.g. an opening date in the future.
    """
    organisation_id = participant.organisation_id
    runs_it = (
        programme.organisation_id == organisation_id
        or programme.partners.filter(pk=organisation_id).exists()
    )
    if not runs_it:
        raise ProgrammeNotRunByOrganisation(
            _("This programme is not run by the person's organisation."), field="programme"
        )
    if Case.objects.filter(participant=participant, programme=programme).exists():
        raise CaseAlreadyOpen(
            _(
                "This person already has a case in this programme. Open it, or reopen it if it "
                "was closed."
            ),
            field="programme",
        )
    _not_in_future(opened_on, at=at, field_name="opened_on")
    if assigned_to is not None:
        _check_staff(
            user=assigned_to,
            case_programme=programme,
            organisation_id=organisation_id,
            field_name="assigned_to",
        )
    case = Case(
        organisation_id=organisation_id,
        participant=participant,
        programme=programme,
        status=Case.Status.OPEN,
        assigned_to=assigned_to,
        opened_on=opened_on,
        intake_channel=intake_channel,
        intake_summary=intake_summary.strip(),
    )
    case.full_clean(
        exclude=["organisation", "participant", "programme", "assigned_to"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError as error:  # opened by someone else a moment ago
        raise CaseAlreadyOpen(
            _("This person already has a case in this programme."), field="programme"
        ) from error
    if not Enrolment.objects.filter(participant=participant, programme=programme).exists():
        participant_enrol(participant=participant, programme=programme, by=by, at=at)
    audit.record_created(actor=by, action="case.opened", target=case, at=at)
    return case


@transaction.atomic
def case_activate(*, case: Case, by: User, at: datetime.datetime) -> Case:
    """Mark an open case as active: work on the plan has started.

    :raises CaseClosed: if the case is closed.
    :raises CaseAlreadyActive: if it is already active.
    """
    _require_not_closed(case)
    if case.status == Case.Status.ACTIVE:
        raise CaseAlreadyActive(_("This case is already active."))
    _activate(case=case, by=by, at=at)
    return case


@transaction.atomic
def case_assign(*, case: Case, caseworker: User | None, by: User, at: datetime.datetime) -> Case:
    """Give *case* to *caseworker*, or to nobody (``None``).

    :raises CaseClosed: if the case is closed.
    :raises CaseAlreadyAssigned: if *caseworker* already has it.
    :raises NotACaseworkerOfProgramme: if *caseworker* does not work in the case's programme.
    """
    _require_not_closed(case)
    new_id = caseworker.pk if caseworker is not None else None
    if case.assigned_to_id == new_id:
        raise CaseAlreadyAssigned(
            _("The case is already assigned to this person.")
            if caseworker is not None
            else _("The case has no caseworker already."),
            field="assigned_to",
        )
    if caseworker is not None:
        _check_staff(
            user=caseworker,
            case_programme=case.programme,
            organisation_id=case.organisation_id,
            field_name="assigned_to",
        )
    audit.save_fields(
        case,
        {"assigned_to": caseworker},
        actor=by,
        action="case.assigned" if caseworker is not None else "case.unassigned",
        at=at,
    )
    return case


@transaction.atomic
def case_close(
    *, case: Case, reason: str, closed_on: datetime.date, by: User, at: datetime.datetime
) -> Case:
    """Close *case* for *reason* on *closed_on*. Its plan and notes stay, read-only.

    :raises CaseClosed: if it is already closed.
    :raises ValidationError: keyed by field: an unknown reason, or a date in the future or
        before the case was opened.
    """
    _require_not_closed(case)
    if reason not in Case.ClosureReason.values:
        raise ValidationError({"closure_reason": _("Choose why the case is closed.")})
    _not_in_future(closed_on, at=at, field_name="closed_on")
    _not_before_opening(closed_on, case=case, field_name="closed_on")
    audit.save_fields(
        case,
        {"status": Case.Status.CLOSED, "closure_reason": reason, "closed_on": closed_on},
        actor=by,
        action="case.closed",
        at=at,
    )
    return case


@transaction.atomic
def case_reopen(*, case: Case, by: User, at: datetime.datetime) -> Case:
    """Reopen a closed case: active again if it has a plan, otherwise open.

    :raises CaseNotClosed: if the case is not closed.
    """
    if case.status != Case.Status.CLOSED:
        raise CaseNotClosed(_("Only a closed case can be reopened."))
    has_plan = PlanAction.objects.filter(case=case).exists()
    audit.save_fields(
        case,
        {
            "status": Case.Status.ACTIVE if has_plan else Case.Status.OPEN,
            "closure_reason": "",
            "closed_on": None,
        },
        actor=by,
        action="case.reopened",
        at=at,
    )
    return case


# --- Needs assessment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedsDetails:
    """One assessment across the three dimensions; needs are codes of each dimension's list."""

    assessed_on: datetime.date
    economic_level: str
    social_level: str
    psychosocial_level: str
    economic_needs: list[str] = field(default_factory=list)
    social_needs: list[str] = field(default_factory=list)
    psychosocial_needs: list[str] = field(default_factory=list)
    economic_notes: str = ""
    social_notes: str = ""
    psychosocial_notes: str = ""


@transaction.atomic
def needs_assessment_record(
    *, case: Case, details: NeedsDetails, by: User, at: datetime.datetime
) -> NeedsAssessment:
    """Record a needs assessment of *case*; earlier ones stay, to show change over time.

    :raises CaseClosed: if the case is closed.
    :raises ValidationError: keyed by field: unknown levels or needs, or a date outside the case.
    """
    _require_not_closed(case)
    _not_in_future(details.assessed_on, at=at, field_name="assessed_on")
    _not_before_opening(details.assessed_on, case=case, field_name="assessed_on")
    errors: dict[str, str] = {}
    for dimension in Dimension.values:
        prefix = dimension.lower()
        if getattr(details, f"{prefix}_level") not in NeedLevel.values:
            errors[f"{prefix}_level"] = _("Choose a level.")
        allowed = set(NEEDS_BY_DIMENSION[dimension].values)
        if not set(getattr(details, f"{prefix}_needs")) <= allowed:
            errors[f"{prefix}_needs"] = _("Choose needs from the list.")
    if errors:
        raise ValidationError(errors)
    assessment = NeedsAssessment(
        case=case,
        assessed_on=details.assessed_on,
        assessed_by=by,
        economic_level=details.economic_level,
        economic_needs=sorted(set(details.economic_needs)),
        economic_notes=details.economic_notes.strip(),
        social_level=details.social_level,
        social_needs=sorted(set(details.social_needs)),
        social_notes=details.social_notes.strip(),
        psychosocial_level=details.psychosocial_level,
        psychosocial_needs=sorted(set(details.psychosocial_needs)),
        psychosocial_notes=details.psychosocial_notes.strip(),
    )
    assessment.save(force_insert=True)
    audit.record_created(actor=by, action="needs_assessment.recorded", target=assessment, at=at)
    return assessment


# --- Vulnerability ------------------------------------------------------------------------------

CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
MAX_WEIGHT = 100


@dataclass(frozen=True)
class CriterionDetails:
    code: str
    label_es: str
    label_en: str
    weight: int
    order: int = 0
    is_active: bool = True


def _thresholds(
    *, programme: Programme, by: User, at: datetime.datetime
) -> VulnerabilityThresholds:
    thresholds = VulnerabilityThresholds.objects.filter(programme=programme).first()
    if thresholds is None:
        thresholds = VulnerabilityThresholds.objects.create(
            programme=programme, medium_from=DEFAULT_MEDIUM_FROM, high_from=DEFAULT_HIGH_FROM
        )
        audit.record_created(
            actor=by, action="vulnerability_thresholds.created", target=thresholds, at=at
        )
    return thresholds


@transaction.atomic
def vulnerability_criteria_ensure_defaults(
    *, programme: Programme, by: User, at: datetime.datetime
) -> int:
    """Give *programme* the default criteria and thresholds if it has no criteria at all.

    Returns how many criteria were created (0 when the programme already had some, even if
    none is in use: its managers chose that).
    """
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    _thresholds(programme=programme, by=by, at=at)
    if programme.vulnerability_criteria.exists():
        return 0
    for criterion in default_criteria(programme):
        criterion.save(force_insert=True)
        audit.record_created(
            actor=by, action="vulnerability_criterion.added", target=criterion, at=at
        )
    return programme.vulnerability_criteria.count()


def _check_criteria(rows: list[CriterionDetails], medium_from: int, high_from: int) -> None:
    seen: set[str] = set()
    for row in rows:
        if not CODE.match(row.code):
            raise CriteriaInvalid(
                _("The code “%(code)s” must be capital letters, digits or _ (2 to 40).")
                % {"code": row.code}
            )
        if row.code in seen:
            raise CriteriaInvalid(_("The code “%(code)s” is used twice.") % {"code": row.code})
        seen.add(row.code)
        if not row.label_es.strip() or not row.label_en.strip():
            raise CriteriaInvalid(
                _("Write the question of “%(code)s” in Spanish and in English.")
                % {"code": row.code}
            )
        if not 0 <= row.weight <= MAX_WEIGHT:
            raise CriteriaInvalid(
                _("The weight of “%(code)s” must be between 0 and %(max)s.")
                % {"code": row.code, "max": MAX_WEIGHT}
            )
    if medium_from < 1:
        raise CriteriaInvalid(
            _("The medium level must start at a score of 1 or more."), field="medium_from"
        )
    if high_from <= medium_from:
        raise CriteriaInvalid(
            _("The high level must start above the medium level."), field="high_from"
        )


@transaction.atomic
def vulnerability_criteria_save(
    *,
    programme: Programme,
    rows: list[CriterionDetails],
    medium_from: int,
    high_from: int,
    by: User,
    at: datetime.datetime,
) -> list[VulnerabilityCriterion]:
    """Change, add (new code) or retire (``is_active=False``) criteria and set the thresholds.

    Codes identify answers in past screenings, so criteria are never deleted or renamed.

    :raises CriteriaInvalid: if a code, label, weight or threshold does not hold.
    """
    rows = [
        CriterionDetails(
            code=row.code.strip().upper(),
            label_es=row.label_es.strip(),
            label_en=row.label_en.strip(),
            weight=row.weight,
            order=row.order,
            is_active=row.is_active,
        )
        for row in rows
    ]
    _check_criteria(rows, medium_from, high_from)
    existing = {c.code: c for c in programme.vulnerability_criteria.all()}
    saved: list[VulnerabilityCriterion] = []
    for row in rows:
        criterion = existing.get(row.code)
        if criterion is None:
            criterion = VulnerabilityCriterion.objects.create(
                programme=programme,
                code=row.code,
                label_es=row.label_es,
                label_en=row.label_en,
                weight=row.weight,
                order=row.order,
                is_active=row.is_active,
            )
            audit.record_created(
                actor=by, action="vulnerability_criterion.added", target=criterion, at=at
            )
        else:
            before = audit.snapshot(criterion)
            for name in ("label_es", "label_en", "weight", "order", "is_active"):
                setattr(criterion, name, getattr(row, name))
            changes = audit.changes_between(before, criterion)
            if changes:
                criterion.save(update_fields=[*changes, "updated_at"])
                audit.record(
                    actor=by,
                    action="vulnerability_criterion.changed",
                    target=criterion,
                    at=at,
                    changes=changes,
                )
        saved.append(criterion)
    thresholds = _thresholds(programme=programme, by=by, at=at)
    before = audit.snapshot(thresholds)
    thresholds.medium_from, thresholds.high_from = medium_from, high_from
    changes = audit.changes_between(before, thresholds)
    if changes:
        thresholds.save(update_fields=["medium_from", "high_from", "updated_at"])
        audit.record(
            actor=by,
            action="vulnerability_thresholds.changed",
            target=thresholds,
            at=at,
            changes=changes,
        )
    return saved


@transaction.atomic
def vulnerability_screening_record(
    *,
    case: Case,
    answers: dict[str, bool],
    screened_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> VulnerabilityScreening:
    """Screen *case* against its programme's criteria in use; store the score and level.

    *answers* maps criterion codes to yes/no; a criterion not answered counts as no.

    :raises CaseClosed: if the case is closed.
    :raises NoVulnerabilityCriteria: if the programme has no criteria in use.
    :raises ValidationError: keyed by field: an answer to an unknown criterion, or a bad date.
    """
    _require_not_closed(case)
    _not_in_future(screened_on, at=at, field_name="screened_on")
    _not_before_opening(screened_on, case=case, field_name="screened_on")
    vulnerability_criteria_ensure_defaults(programme=case.programme, by=by, at=at)
    criteria = list(case.programme.vulnerability_criteria.filter(is_active=True))
    if not criteria:
        raise NoVulnerabilityCriteria(
            _("This programme has no vulnerability criteria in use. Ask its manager.")
        )
    weights = {criterion.code: criterion.weight for criterion in criteria}
    unknown = set(answers) - set(weights)
    if unknown:
        raise ValidationError({"answers": _("Some answers are to questions no longer in use.")})
    stored = {code: bool(answers.get(code, False)) for code in weights}
    score = sum(weights[code] for code, yes in stored.items() if yes)
    thresholds = _thresholds(programme=case.programme, by=by, at=at)
    screening = VulnerabilityScreening(
        case=case,
        screened_on=screened_on,
        screened_by=by,
        answers=stored,
        weights=weights,
        score=score,
        level=thresholds.level_of(score),
    )
    screening.save(force_insert=True)
    audit.record_created(
        actor=by, action="vulnerability_screening.recorded", target=screening, at=at
    )
    return screening


# --- Reintegration plan -------------------------------------------------------------------------


def _description(value: str, *, field_name: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field_name: _("Write what it is about.")})
    if len(value) > 500:
        raise ValidationError({field_name: _("Keep it under 500 characters.")})
    return value


@transaction.atomic
def plan_goal_add(
    *, case: Case, dimension: str, description: str, by: User, at: datetime.datetime
) -> PlanGoal:
    """Add a goal in *dimension* to the reintegration plan of *case*.

    :raises CaseClosed: if the case is closed.
    :raises ValidationError: keyed by field: an unknown dimension or an empty description.
    """
    _require_not_closed(case)
    if dimension not in Dimension.values:
        raise ValidationError({"dimension": _("Choose a dimension.")})
    goal = PlanGoal(
        case=case,
        dimension=dimension,
        description=_description(description, field_name="description"),
        added_by=by,
    )
    goal.save(force_insert=True)
    audit.record_created(actor=by, action="plan_goal.added", target=goal, at=at)
    return goal


@transaction.atomic
def plan_action_add(
    *,
    goal: PlanGoal,
    description: str,
    responsible: User,
    due_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> PlanAction:
    """Add an action towards *goal*. The first action makes an open case active.

    :raises CaseClosed: if the case is closed.
    :raises NotACaseworkerOfProgramme: if *responsible* does not work in the programme.
    :raises ValidationError: keyed by field: an empty description or a due date before the
        case was opened.
    """
    case = goal.case
    _require_not_closed(case)
    text = _description(description, field_name="description")
    _check_staff(
        user=responsible,
        case_programme=case.programme,
        organisation_id=case.organisation_id,
        field_name="responsible",
    )
    _not_before_opening(due_on, case=case, field_name="due_on")
    action = PlanAction(
        case=case,
        goal=goal,
        description=text,
        responsible=responsible,
        due_on=due_on,
        status=PlanAction.Status.PENDING,
        added_by=by,
    )
    action.save(force_insert=True)
    audit.record_created(actor=by, action="plan_action.added", target=action, at=at)
    if case.status == Case.Status.OPEN:
        _activate(case=case, by=by, at=at)
    return action


@transaction.atomic
def plan_action_update(
    *,
    action: PlanAction,
    description: str,
    responsible: User,
    due_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> PlanAction:
    """Change what an action is, who does it or by when.

    :raises CaseClosed: if the case is closed.
    :raises NotACaseworkerOfProgramme: if *responsible* does not work in the programme.
    :raises ValidationError: keyed by field.
    """
    case = action.case
    _require_not_closed(case)
    text = _description(description, field_name="description")
    if responsible.pk != action.responsible_id:
        _check_staff(
            user=responsible,
            case_programme=case.programme,
            organisation_id=case.organisation_id,
            field_name="responsible",
        )
    _not_before_opening(due_on, case=case, field_name="due_on")
    before = audit.snapshot(action)
    action.description, action.responsible, action.due_on = text, responsible, due_on
    changes = audit.changes_between(before, action)
    if changes:
        action.save(update_fields=["description", "responsible", "due_on", "updated_at"])
        audit.record(actor=by, action="plan_action.updated", target=action, at=at, changes=changes)
    return action


STATUS_ACTIONS = {
    PlanAction.Status.PENDING: "plan_action.reopened",
    PlanAction.Status.IN_PROGRESS: "plan_action.started",
    PlanAction.Status.DONE: "plan_action.done",
    PlanAction.Status.CANCELLED: "plan_action.cancelled",
}


@transaction.atomic
def plan_action_set_status(
    *, action: PlanAction, status: str, by: User, at: datetime.datetime
) -> PlanAction:
    """Move a plan action to *status*; DONE records the day it was completed.

    :raises CaseClosed: if the case is closed.
    :raises PlanActionUnchanged: if the action already has *status*.
    :raises ValidationError: for an unknown status.
    """
    _require_not_closed(action.case)
    if status not in PlanAction.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if action.status == status:
        raise PlanActionUnchanged(
            _("This action is already “%(status)s”.") % {"status": PlanAction.Status(status).label}
        )
    audit.save_fields(
        action,
        {
            "status": status,
            "completed_on": timezone.localdate(at) if status == PlanAction.Status.DONE else None,
        },
        actor=by,
        action=STATUS_ACTIONS[PlanAction.Status(status)],
        at=at,
    )
    return action


# --- Notes --------------------------------------------------------------------------------------


@transaction.atomic
def case_note_add(
    *, case: Case, body: str, sensitivity: str, by: User, at: datetime.datetime
) -> CaseNote:
    """Add a note to *case*.

    :raises CaseClosed: if the case is closed.
    :raises RestrictedNoteNotAllowed: if *by* is not psychosocial staff and the note is
        RESTRICTED.
    :raises ValidationError: keyed by field: an empty or too long note, an unknown sensitivity.
    """
    _require_not_closed(case)
    if sensitivity not in CaseNote.Sensitivity.values:
        raise ValidationError({"sensitivity": _("Choose who may read the note.")})
    if sensitivity == CaseNote.Sensitivity.RESTRICTED and role_of(by) not in RESTRICTED_NOTE_ROLES:
        raise RestrictedNoteNotAllowed(
            _("Only psychosocial staff write restricted notes."), field="sensitivity"
        )
    text = body.strip()
    if not text:
        raise ValidationError({"body": _("Write the note.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX_LENGTH}}
        )
    note = CaseNote(case=case, sensitivity=sensitivity, body=text, written_by=by, written_at=at)
    note.save(force_insert=True)
    audit.record_created(actor=by, action="case_note.added", target=note, at=at)
    return note


# --- Reads of sensitive content -----------------------------------------------------------------

READ_ACTIONS: dict[type[models.Model], str] = {
    Case: "case.intake_read",
    CaseNote: "case_note.read",
    NeedsAssessment: "needs_assessment.read",
    VulnerabilityScreening: "vulnerability_screening.read",
}


@transaction.atomic
def sensitive_reads_record(
    *, targets: Iterable[models.Model], by: User, at: datetime.datetime
) -> int:
    """Record that *by* was shown the SENSITIVE content of each of *targets*; returns the count.

    :raises KeyError: for a kind of record whose reads this app does not know.
    """
    by_action: dict[str, list[models.Model]] = {}
    for target in targets:
        by_action.setdefault(READ_ACTIONS[type(target)], []).append(target)
    return sum(
        audit.record_reads(actor=by, action=action, targets=group, at=at)
        for action, group in by_action.items()
    )
