"""Writes of the selection: calls and their rules, applications, ranking and the shortlist."""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arraigo.accounts.models import Organisation, User
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.learning.models import Course
from arraigo.livelihoods import rules
from arraigo.livelihoods.facts import facts_for
from arraigo.livelihoods.models import (
    DEFAULT_RUBRIC,
    Application,
    Call,
    EligibilityRule,
    PriorityCriterion,
    Quota,
    RubricCriterion,
)
from arraigo.livelihoods.services.common import ReferralRequest, refer
from arraigo.people.models import Enrolment, Participant, PopulationType
from arraigo.programmes.models import Programme
from arraigo.referrals.models import Service

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,29}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")

# The criteria and rules a new call starts with; its managers adapt them.
DEFAULT_CRITERIA: tuple[tuple[str, int, dict[str, Any]], ...] = (
    (PriorityCriterion.Kind.WOMAN_HEAD_OF_HOUSEHOLD, 20, {}),
    (PriorityCriterion.Kind.DEPENDANTS, 15, {"full_at": rules.DEFAULT_DEPENDANTS_FOR_FULL_POINTS}),
    (PriorityCriterion.Kind.DISABILITY, 15, {}),
    (
        PriorityCriterion.Kind.TIME_SINCE_RETURN,
        10,
        {"within_months": rules.DEFAULT_RETURN_WITHIN_MONTHS},
    ),
    (PriorityCriterion.Kind.VULNERABILITY, 20, {}),
    (PriorityCriterion.Kind.MOTIVATION_INTERVIEW, 20, {"max": rules.DEFAULT_MOTIVATION_MAX}),
)
DEFAULT_RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    (EligibilityRule.Kind.AGE_RANGE, {"min": 18, "max": rules.MAX_AGE, "on": None}),
    (EligibilityRule.Kind.NO_EARLIER_GRANT, {}),
)
# Services a person not selected may be referred to instead.
ALTERNATIVE_CATEGORIES = (
    Service.Category.VOCATIONAL_TRAINING,
    Service.Category.EMPLOYMENT,
    Service.Category.EDUCATION,
    Service.Category.FINANCIAL,
)
REFERRABLE_STATUSES = (
    Application.Status.INELIGIBLE,
    Application.Status.NOT_SELECTED,
    Application.Status.WAITING,
)
WITHDRAWABLE_STATUSES = (
    Application.Status.APPLIED,
    Application.Status.ELIGIBLE,
    Application.Status.INELIGIBLE,
    Application.Status.SELECTED,
    Application.Status.WAITING,
)


class CallInvalid(ApplicationError):
    """Raised when a call's details do not hold (dates, money, code, courses)."""


class SelectionFrozen(ApplicationError):
    """Raised when the selection of a call is changed after the shortlist was approved."""


class CallNotOpen(ApplicationError):
    """Raised when someone applies to a call that is not open on that day."""


class NotEnrolledInProgramme(ApplicationError):
    """Raised when the applicant is not a participant of the call's programme."""


class AlreadyApplied(ApplicationError):
    """Raised when a person applies twice to the same call."""


class RulesInvalid(ApplicationError):
    """Raised when eligibility rules, criteria or quotas of a call do not hold."""


class MotivationOutOfScale(ApplicationError):
    """Raised when a motivation interview score is outside the criterion's scale."""


class NothingToSelect(ApplicationError):
    """Raised when a shortlist is approved while no applicant is eligible."""


class RankingChanged(ApplicationError):
    """Raised when the ranking computed at approval differs from the one last shown."""


class NotWithdrawable(ApplicationError):
    """Raised when an application cannot be withdrawn (already withdrawn, or funded)."""


class NotReferrable(ApplicationError):
    """Raised when a person still in the round is referred elsewhere instead."""


# --- The call -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallDetails:
    code: str
    title: str
    opens_on: datetime.date
    closes_on: datetime.date
    places: int
    budget: Decimal
    max_grant: Decimal
    currency: str
    description: str = ""
    waiting_list_size: int = 0
    required_courses: list[Course] = field(default_factory=list)
    courses_before_plan: bool = True


def _require_not_frozen(call: Call) -> None:
    if call.is_frozen:
        raise SelectionFrozen(
            _("The selection of this call was approved on %(date)s; it can no longer change.")
            % {"date": timezone.localdate(call.selection_approved_at).strftime("%d/%m/%Y")}
            if call.selection_approved_at
            else _("This call is closed; its selection can no longer change.")
        )


def _check_details(call: Call, details: CallDetails) -> CallDetails:
    code = details.code.strip().upper()
    currency = details.currency.strip().upper()
    if not CODE.match(code):
        raise ValidationError(
            {"code": _("Use capital letters, digits and hyphens (2 to 30), e.g. CS-2026-1.")}
        )
    if not CURRENCY.match(currency):
        raise ValidationError({"currency": _("Write the three-letter currency code, e.g. USD.")})
    if details.closes_on < details.opens_on:
        raise ValidationError({"closes_on": _("A call cannot close before it opens.")})
    if details.max_grant <= 0:
        raise ValidationError({"max_grant": _("The maximum grant must be above zero.")})
    if details.max_grant > details.budget:
        raise ValidationError(
            {"max_grant": _("The maximum grant cannot be above the call's budget.")}
        )
    if details.places < 1:
        raise ValidationError({"places": _("A call has at least one place.")})
    if any(course.programme_id != call.programme_id for course in details.required_courses):
        raise CallInvalid(
            _("Choose only courses of the call's programme."), field="required_courses"
        )
    if Call.objects.filter(programme_id=call.programme_id, code=code).exclude(pk=call.pk).exists():
        raise ValidationError({"code": _("Another call of this programme has this code.")})
    return CallDetails(
        **{
            **details.__dict__,
            "code": code,
            "currency": currency,
            "title": details.title.strip(),
            "description": details.description.strip(),
        }
    )


def _apply(call: Call, details: CallDetails) -> None:
    for name, value in details.__dict__.items():
        if name != "required_courses":
            setattr(call, name, value)


@transaction.atomic
def call_create(
    *,
    programme: Programme,
    organisation: Organisation,
    details: CallDetails,
    by: User,
    at: datetime.datetime,
) -> Call:
    """Create a draft call of *programme* with the default rules, criteria and rubric.

    :raises CallInvalid: if the organisation does not run the programme, or a course is not
        the programme's.
    :raises ValidationError: keyed by field: code, currency, dates, money or places.
    """
    runs_it = (
        programme.organisation_id == organisation.pk
        or programme.partners.filter(pk=organisation.pk).exists()
    )
    if not runs_it:
        raise CallInvalid(_("Your organisation does not run this programme."), field="programme")
    call = Call(programme=programme, organisation=organisation, created_by=by)
    details = _check_details(call, details)
    _apply(call, details)
    call.full_clean(exclude=["programme", "organisation", "created_by"], validate_unique=False)
    call.save(force_insert=True)
    call.required_courses.set(details.required_courses)
    changes = audit.changes_between({}, call)
    changes["required_courses"] = [None, sorted(str(c.pk) for c in details.required_courses)]
    audit.record(actor=by, action="seed_capital_call.created", target=call, at=at, changes=changes)
    for order, (kind, params) in enumerate(DEFAULT_RULES, start=1):
        EligibilityRule.objects.create(call=call, kind=kind, params=params, order=order * 10)
    for order, (kind, weight, params) in enumerate(DEFAULT_CRITERIA, start=1):
        PriorityCriterion.objects.create(
            call=call, kind=kind, weight=weight, params=params, order=order * 10
        )
    for order, (code, label_es, label_en, weight) in enumerate(DEFAULT_RUBRIC, start=1):
        RubricCriterion.objects.create(
            call=call,
            code=code,
            label_es=label_es,
            label_en=label_en,
            weight=weight,
            order=order * 10,
        )
    return call


@transaction.atomic
def call_update(*, call: Call, details: CallDetails, by: User, at: datetime.datetime) -> Call:
    """Change a call's details while its selection is still open.

    :raises SelectionFrozen: once the shortlist was approved.
    :raises CallInvalid: if a course is not the programme's.
    :raises ValidationError: keyed by field.
    """
    _require_not_frozen(call)
    details = _check_details(call, details)
    before = audit.snapshot(call)
    old_courses = sorted(str(pk) for pk in call.required_courses.values_list("pk", flat=True))
    _apply(call, details)
    call.full_clean(validate_unique=False)
    call.save()
    call.required_courses.set(details.required_courses)
    changes = audit.changes_between(before, call)
    new_courses = sorted(str(c.pk) for c in details.required_courses)
    if new_courses != old_courses:
        changes["required_courses"] = [old_courses, new_courses]
    if changes:
        audit.record(
            actor=by, action="seed_capital_call.updated", target=call, at=at, changes=changes
        )
    return call


@transaction.atomic
def call_open(*, call: Call, by: User, at: datetime.datetime) -> Call:
    """Open a draft call for applications.

    :raises CallNotOpen: if the call is not a draft.
    :raises RulesInvalid: if no prioritisation criterion has a weight.
    """
    if call.status != Call.Status.DRAFT:
        raise CallNotOpen(_("Only a draft call can be opened."))
    if not call.priority_criteria.filter(weight__gt=0).exists():
        raise RulesInvalid(_("Give at least one prioritisation criterion a weight first."))
    audit.save_fields(
        call, {"status": Call.Status.OPEN}, actor=by, action="seed_capital_call.opened", at=at
    )
    return call


@transaction.atomic
def call_close(*, call: Call, by: User, at: datetime.datetime) -> Call:
    """Close a call whose selection was approved: the round is over.

    :raises CallNotOpen: if the selection was not approved yet, or it is closed already.
    """
    if call.status != Call.Status.SELECTION_APPROVED:
        raise CallNotOpen(_("Only a call whose selection was approved can be closed."))
    audit.save_fields(
        call, {"status": Call.Status.CLOSED}, actor=by, action="seed_capital_call.closed", at=at
    )
    return call


# --- Rules, criteria and quotas -----------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CriterionInput:
    kind: str
    weight: int
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QuotaInput:
    kind: str
    min_percent: int
    value: str = ""


def _replace_rows[M: EligibilityRule | PriorityCriterion | Quota](
    *,
    existing: dict[Any, M],
    wanted: dict[Any, dict[str, Any]],
    make: Any,
    action: str,
    by: User,
    at: datetime.datetime,
) -> None:
    """Make the call's rows of one kind match *wanted*: add, change and remove, each audited."""
    for key, row in existing.items():
        if key not in wanted:
            removed = {
                name: [value, None]
                for name, value in audit.snapshot(row).items()
                if name not in {"id", "call_id"}
            }
            audit.record(actor=by, action=f"{action}.removed", target=row, at=at, changes=removed)
            row.delete()
    for key, values in wanted.items():
        found = existing.get(key)
        if found is None:
            added = make(**values)
            added.save(force_insert=True)
            audit.record_created(actor=by, action=f"{action}.added", target=added, at=at)
            continue
        row = found
        before = audit.snapshot(row)
        for name, value in values.items():
            setattr(row, name, value)
        changes = audit.changes_between(before, row)
        if changes:
            row.save()
            audit.record(actor=by, action=f"{action}.changed", target=row, at=at, changes=changes)


@transaction.atomic
def eligibility_rules_save(
    *, call: Call, rows: Sequence[RuleInput], by: User, at: datetime.datetime
) -> list[EligibilityRule]:
    """Set the call's eligibility rules to *rows*: one per kind; kinds left out are removed.

    :raises SelectionFrozen: once the shortlist was approved.
    :raises RulesInvalid: for a kind twice, unknown parameters, or a course rule without
        required courses; ``field`` names the kind.
    """
    _require_not_frozen(call)
    wanted: dict[str, dict[str, Any]] = {}
    for order, row in enumerate(rows, start=1):
        if row.kind not in EligibilityRule.Kind.values:
            raise RulesInvalid(_("Unknown kind of rule."))
        if row.kind in wanted:
            raise RulesInvalid(_("Each kind of rule can be used once."), field=row.kind)
        try:
            params = rules.clean_rule_params(row.kind, row.params)
        except ValidationError as error:
            raise RulesInvalid(" ".join(error.messages), field=row.kind) from error
        if (
            row.kind == EligibilityRule.Kind.COURSES_COMPLETED
            and not call.required_courses.exists()
        ):
            raise RulesInvalid(
                _("Choose the call's required courses first (in the call's details)."),
                field=row.kind,
            )
        wanted[row.kind] = {"call": call, "kind": row.kind, "params": params, "order": order * 10}
    _replace_rows(
        existing={r.kind: r for r in call.eligibility_rules.all()},
        wanted=wanted,
        make=EligibilityRule,
        action="eligibility_rule",
        by=by,
        at=at,
    )
    return list(call.eligibility_rules.all())


@transaction.atomic
def priority_criteria_save(
    *, call: Call, rows: Sequence[CriterionInput], by: User, at: datetime.datetime
) -> list[PriorityCriterion]:
    """Set the call's prioritisation criteria: a weight of 0 (or a kind left out) removes one.

    :raises SelectionFrozen: once the shortlist was approved.
    :raises RulesInvalid: for a weight outside 0–100, a kind twice, or bad parameters, with
        ``field`` naming the kind; or when no criterion is left.
    """
    _require_not_frozen(call)
    wanted: dict[str, dict[str, Any]] = {}
    for order, row in enumerate(rows, start=1):
        if row.kind not in PriorityCriterion.Kind.values:
            raise RulesInvalid(_("Unknown kind of criterion."))
        if row.kind in wanted:
            raise RulesInvalid(_("Each criterion can be used once."), field=row.kind)
        if not 0 <= row.weight <= 100:
            raise RulesInvalid(_("A weight goes from 0 to 100."), field=row.kind)
        try:
            params = rules.clean_criterion_params(row.kind, row.params)
        except ValidationError as error:
            raise RulesInvalid(" ".join(error.messages), field=row.kind) from error
        if row.weight:
            wanted[row.kind] = {
                "call": call,
                "kind": row.kind,
                "weight": row.weight,
                "params": params,
                "order": order * 10,
            }
    if not wanted:
        raise RulesInvalid(_("Give at least one criterion a weight."))
    _replace_rows(
        existing={c.kind: c for c in call.priority_criteria.all()},
        wanted=wanted,
        make=PriorityCriterion,
        action="priority_criterion",
        by=by,
        at=at,
    )
    return list(call.priority_criteria.all())


@transaction.atomic
def quotas_save(
    *, call: Call, rows: Sequence[QuotaInput], by: User, at: datetime.datetime
) -> list[Quota]:
    """Set the call's quotas (minimum shares of the places); rows left out are removed.

    :raises SelectionFrozen: once the shortlist was approved.
    :raises RulesInvalid: for a share outside 1–100 %, a group twice, or a population type
        missing or unknown.
    """
    _require_not_frozen(call)
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for order, row in enumerate(rows, start=1):
        if row.kind not in Quota.Kind.values:
            raise RulesInvalid(_("Unknown kind of quota."))
        value = row.value if row.kind == Quota.Kind.POPULATION_TYPE else ""
        if row.kind == Quota.Kind.POPULATION_TYPE and value not in PopulationType.values:
            raise RulesInvalid(_("Choose the population type of the quota."), field="value")
        if not 1 <= row.min_percent <= 100:
            raise RulesInvalid(_("A quota is a share from 1 to 100 %."), field="min_percent")
        if (row.kind, value) in wanted:
            raise RulesInvalid(_("This group already has a quota."), field="kind")
        wanted[(row.kind, value)] = {
            "call": call,
            "kind": row.kind,
            "value": value,
            "min_percent": row.min_percent,
            "order": order * 10,
        }
    _replace_rows(
        existing={(q.kind, q.value): q for q in call.quotas.all()},
        wanted=wanted,
        make=Quota,
        action="quota",
        by=by,
        at=at,
    )
    return list(call.quotas.all())


# --- Applications -------------------------------------------------------------------------------


def _rule_specs(call: Call) -> list[rules.RuleSpec]:
    return [
        rules.RuleSpec(id=str(rule.pk), kind=rule.kind, params=rule.params)
        for rule in call.eligibility_rules.all()
    ]


def _check(application: Application, facts: rules.Facts, specs: list[rules.RuleSpec]) -> list[Any]:
    return [
        result.as_json()
        for result in rules.check_eligibility(specs, facts, opens_on=application.call.opens_on)
    ]


@transaction.atomic
def application_submit(
    *, call: Call, participant: Participant, by: User, at: datetime.datetime
) -> Application:
    """Apply to *call* for *participant* and check eligibility at once, rule by rule.

    An applicant who fails a rule is kept as not eligible, with the reason of each rule.

    :raises CallNotOpen: if the call is not open for applications today.
    :raises NotEnrolledInProgramme: if the person is not a participant of the programme (or
        of the call's organisation).
    :raises AlreadyApplied: if the person already applied to this call.
    """
    today = timezone.localdate(at)
    if call.status != Call.Status.OPEN or not call.opens_on <= today <= call.closes_on:
        raise CallNotOpen(
            _("This call takes applications from %(opens)s to %(closes)s while it is open.")
            % {
                "opens": call.opens_on.strftime("%d/%m/%Y"),
                "closes": call.closes_on.strftime("%d/%m/%Y"),
            }
        )
    if (
        participant.organisation_id != call.organisation_id
        or not Enrolment.objects.filter(participant=participant, programme=call.programme).exists()
    ):
        raise NotEnrolledInProgramme(
            _("Enrol the person in %(programme)s before applying.")
            % {"programme": call.programme.name},
            field="participant",
        )
    if Application.objects.filter(call=call, participant=participant).exists():
        raise AlreadyApplied(_("This person already applied to this call."), field="participant")
    application = Application(
        organisation_id=call.organisation_id,
        call=call,
        participant=participant,
        applied_on=today,
        applied_by=by,
    )
    facts = facts_for(call=call, applications=[application], at=at)[application.pk]
    application.eligibility = _check(application, facts, _rule_specs(call))
    application.eligibility_checked_at = at
    eligible = all(result["passed"] for result in application.eligibility)
    application.status = Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE
    application.is_eligible = eligible
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError as error:  # applied by someone else a moment ago
        raise AlreadyApplied(
            _("This person already applied to this call."), field="participant"
        ) from error
    audit.record_created(
        actor=by, action="seed_capital_application.submitted", target=application, at=at
    )
    return application


def motivation_max(call: Call) -> int:
    criterion = call.priority_criteria.filter(
        kind=PriorityCriterion.Kind.MOTIVATION_INTERVIEW
    ).first()
    if criterion is None:
        return rules.DEFAULT_MOTIVATION_MAX
    return int(criterion.params.get("max", rules.DEFAULT_MOTIVATION_MAX))


@transaction.atomic
def application_record_motivation(
    *, application: Application, score: int, by: User, at: datetime.datetime
) -> Application:
    """Record the score of the applicant's motivation interview (used at the next ranking).

    :raises SelectionFrozen: once the shortlist was approved.
    :raises MotivationOutOfScale: for a score outside 0 to the criterion's maximum.
    """
    call = application.call
    _require_not_frozen(call)
    maximum = motivation_max(call)
    if not 0 <= score <= maximum:
        raise MotivationOutOfScale(
            _("The interview score goes from 0 to %(max)s.") % {"max": maximum},
            field="motivation_score",
        )
    audit.save_fields(
        application,
        {"motivation_score": score},
        actor=by,
        action="seed_capital_application.motivation_recorded",
        at=at,
    )
    return application


# --- Ranking and the shortlist ------------------------------------------------------------------


@dataclass(frozen=True)
class RankingOutcome:
    selection: rules.Selection
    applications: list[Application]


def _compute(call: Call, at: datetime.datetime) -> tuple[RankingOutcome, dict[Any, dict[str, Any]]]:
    """Check, score and select every application still in the round; nothing is saved."""
    applications = list(
        call.applications.exclude(status=Application.Status.WITHDRAWN).select_related("call")
    )
    facts = facts_for(call=call, applications=applications, at=at)
    specs = _rule_specs(call)
    criteria = [
        rules.CriterionSpec(id=str(c.pk), kind=c.kind, weight=c.weight, params=c.params)
        for c in call.priority_criteria.all()
    ]
    quotas = [
        rules.QuotaSpec(id=str(q.pk), kind=q.kind, value=q.value, min_percent=q.min_percent)
        for q in call.quotas.all()
    ]
    values: dict[Any, dict[str, Any]] = {}
    candidates = []
    for application in applications:
        eligibility = _check(application, facts[application.pk], specs)
        eligible = all(result["passed"] for result in eligibility)
        row: dict[str, Any] = {
            "eligibility": eligibility,
            "eligibility_checked_at": at,
            "is_eligible": eligible,
            "status": Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE,
            "score": None,
            "score_breakdown": [],
            "scored_at": None,
            "rank": None,
            "proposal": "",
            "selection_note": {},
        }
        if eligible:
            points = rules.score(criteria, facts[application.pk], on=call.opens_on)
            row.update(
                score=rules.total(points),
                score_breakdown=[p.as_json() for p in points],
                scored_at=at,
            )
            candidates.append(
                rules.Candidate(
                    id=application.pk,
                    score=row["score"],
                    applied_on=application.applied_on,
                    traits=facts[application.pk].traits,
                )
            )
        values[application.pk] = row
    selection = rules.select(
        candidates,
        places=call.places,
        waiting_list_size=call.waiting_list_size,
        quotas=quotas,
    )
    for position, candidate in enumerate(selection.ranked, start=1):
        values[candidate.id]["rank"] = position
    for ids, proposal in (
        (selection.selected, Application.Proposal.SELECTED),
        (selection.waiting, Application.Proposal.WAITING),
        (selection.not_selected, Application.Proposal.NOT_SELECTED),
    ):
        for application_id in ids:
            values[application_id]["proposal"] = proposal
    for application_id, note in selection.notes.items():
        values[application_id]["selection_note"] = note
    return RankingOutcome(selection=selection, applications=applications), values


def _store(
    outcome: RankingOutcome, values: dict[Any, dict[str, Any]], *, by: User, at: datetime.datetime
) -> None:
    for application in outcome.applications:
        row = values[application.pk]
        before = audit.snapshot(application)
        for name, value in row.items():
            setattr(application, name, value)
        changes = audit.changes_between(before, application)
        changes.pop("eligibility_checked_at", None)
        changes.pop("scored_at", None)
        application.save(update_fields=[*row, "updated_at"])
        if changes:
            audit.record(
                actor=by,
                action="seed_capital_application.ranked",
                target=application,
                at=at,
                changes=changes,
            )


@transaction.atomic
def ranking_compute(*, call: Call, by: User, at: datetime.datetime) -> rules.Selection:
    """Check eligibility again, score every eligible applicant, rank them and apply the quotas.

    Each application keeps its eligibility by rule, its score by criterion, its rank, what it
    is proposed for (shortlist, waiting list or not selected) and why a quota moved it.

    :raises SelectionFrozen: once the shortlist was approved.
    """
    Call.objects.select_for_update().filter(pk=call.pk).first()
    _require_not_frozen(call)
    outcome, values = _compute(call, at)
    _store(outcome, values, by=by, at=at)
    call.ranked_at = at
    call.save(update_fields=["ranked_at", "updated_at"])
    audit.record(
        actor=by,
        action="seed_capital_call.ranked",
        target=call,
        at=at,
        changes={
            "selected": [None, len(outcome.selection.selected)],
            "waiting": [None, len(outcome.selection.waiting)],
            "not_selected": [None, len(outcome.selection.not_selected)],
            "quota_shortfalls": [
                None,
                [quota.id for quota, _have, _needed in outcome.selection.shortfalls],
            ],
        },
    )
    return outcome.selection


@transaction.atomic
def selection_approve(*, call: Call, by: User, at: datetime.datetime) -> rules.Selection:
    """Approve the shortlist and waiting list as last ranked, and freeze the selection.

    The ranking is computed again first: if anything changed since it was last computed and
    shown (a new applicant, a completed course, a screening), approval is refused so the
    manager approves what it has seen.

    :raises SelectionFrozen: if the selection was already approved.
    :raises RankingChanged: if the ranking was never computed or differs now.
    :raises NothingToSelect: if nobody is eligible.
    """
    Call.objects.select_for_update().filter(pk=call.pk).first()
    _require_not_frozen(call)
    if call.status != Call.Status.OPEN:
        raise CallNotOpen(_("Open the call and rank its applicants before approving."))
    outcome, values = _compute(call, at)
    shown = {
        application.pk: (application.status, application.rank, application.proposal)
        for application in outcome.applications
    }
    now = {pk: (row["status"], row["rank"], row["proposal"]) for pk, row in values.items()}
    if call.ranked_at is None or shown != now:
        raise RankingChanged(
            _(
                "The ranking changed since it was last computed (new applications or new data). "
                "Review the new ranking, then approve it."
            )
        )
    if not outcome.selection.selected:
        raise NothingToSelect(_("No applicant is eligible: there is nobody to select."))
    statuses = {
        Application.Proposal.SELECTED: Application.Status.SELECTED,
        Application.Proposal.WAITING: Application.Status.WAITING,
        Application.Proposal.NOT_SELECTED: Application.Status.NOT_SELECTED,
    }
    for application in outcome.applications:
        if application.proposal:
            fields: dict[str, Any] = {
                "status": statuses[Application.Proposal(application.proposal)]
            }
            if application.proposal == Application.Proposal.SELECTED:
                fields["selected_at"] = at
            audit.save_fields(
                application,
                fields,
                actor=by,
                action="seed_capital_application.selection_decided",
                at=at,
            )
    audit.save_fields(
        call,
        {
            "status": Call.Status.SELECTION_APPROVED,
            "selection_approved_at": at,
            "selection_approved_by": by,
        },
        actor=by,
        action="seed_capital_call.selection_approved",
        at=at,
    )
    audit.record(
        actor=by,
        action="seed_capital_call.shortlist_frozen",
        target=call,
        at=at,
        changes={
            "selected": [None, [str(pk) for pk in outcome.selection.selected]],
            "waiting": [None, [str(pk) for pk in outcome.selection.waiting]],
        },
    )
    return outcome.selection


def _quota_to_keep(call: Call, leaving: Application) -> list[Quota]:
    """The call's quotas that the departure of *leaving* leaves short among those selected."""
    selected = list(
        call.applications.filter(status=Application.Status.SELECTED)
        .exclude(pk=leaving.pk)
        .select_related("participant")
    )
    short = []
    for quota in call.quotas.all():
        spec = rules.QuotaSpec(str(quota.pk), quota.kind, quota.value, quota.min_percent)
        have = sum(1 for a in selected if spec.trait in _traits(a.participant))
        if have < spec.needed(call.places):
            short.append(quota)
    return short


def _traits(participant: Participant) -> frozenset[str]:
    return rules.traits_of(
        sex=participant.sex,
        has_disability=participant.has_disability,
        population_type=participant.population_type,
    )


@transaction.atomic
def application_withdraw(
    *,
    application: Application,
    reason: str,
    on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> Application | None:
    """Record that the applicant withdrew. A selected person's place goes to the waiting list.

    The first person waiting takes the place, unless the departure leaves a quota short: then
    the first person waiting who belongs to that group does, if there is one.

    Returns the application promoted from the waiting list, if any.

    :raises NotWithdrawable: if already withdrawn, or the award was already made.
    :raises ValidationError: keyed by field: no reason, or a date in the future.
    """
    if application.status not in WITHDRAWABLE_STATUSES:
        raise NotWithdrawable(_("This application was already withdrawn."))
    if hasattr(application, "business_plan") and hasattr(application.business_plan, "award"):
        raise NotWithdrawable(
            _("The seed capital was already awarded; record the end of the business instead.")
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the person withdrew.")})
    if on > timezone.localdate(at):
        raise ValidationError({"withdrawn_on": _("This date cannot be in the future.")})
    was_selected = application.status == Application.Status.SELECTED
    call = application.call
    audit.save_fields(
        application,
        {
            "status": Application.Status.WITHDRAWN,
            "withdrawn_on": on,
            "withdrawal_reason": reason[:300],
        },
        actor=by,
        action="seed_capital_application.withdrawn",
        at=at,
    )
    if not (was_selected and call.is_frozen):
        return None
    waiting = list(
        call.applications.filter(status=Application.Status.WAITING)
        .select_related("participant")
        .order_by("rank", "applied_on", "id")
    )
    if not waiting:
        return None
    short = _quota_to_keep(call, application)
    chosen = waiting[0]
    note: dict[str, Any] = {"effect": "FROM_WAITING_LIST", "replaces": application.rank}
    for quota in short:
        spec = rules.QuotaSpec(str(quota.pk), quota.kind, quota.value, quota.min_percent)
        match = next((a for a in waiting if spec.trait in _traits(a.participant)), None)
        if match is not None:
            chosen = match
            note["quota"] = str(quota.pk)
            break
    audit.save_fields(
        chosen,
        {"status": Application.Status.SELECTED, "selected_at": at, "selection_note": note},
        actor=by,
        action="seed_capital_application.promoted_from_waiting_list",
        at=at,
    )
    return chosen


@transaction.atomic
def application_refer(
    *,
    application: Application,
    request: ReferralRequest,
    by: User,
    at: datetime.datetime,
) -> Application:
    """Refer a person not selected to training, employment or financial services instead.

    :raises NotReferrable: if the person is still in the round, or was referred already.
    :raises NoCaseForReferral: if the person has no case in the call's programme.
    :raises ApplicationError: whatever the referral itself refuses (consent, provider...).
    """
    if application.status not in REFERRABLE_STATUSES:
        raise NotReferrable(
            _("Only people not eligible, not selected or waiting can be referred instead.")
        )
    if application.referral_id is not None:
        raise NotReferrable(_("This person was already referred from this call."))
    if request.service.category not in ALTERNATIVE_CATEGORIES:
        raise NotReferrable(
            _("Choose a training, employment, education or financial service."), field="service"
        )
    referral = refer(application=application, request=request, by=by, at=at)
    audit.save_fields(
        application,
        {"referral": referral},
        actor=by,
        action="seed_capital_application.referred",
        at=at,
    )
    return application
