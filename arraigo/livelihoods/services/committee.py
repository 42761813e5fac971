"""Writes of the committee: the rubric, evaluators, conflict declarations, scores, decisions."""

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import membership_of
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.livelihoods.models import (
    BusinessPlan,
    Call,
    Evaluation,
    EvaluationScore,
    EvaluatorAssignment,
    RubricCriterion,
)
from arraigo.livelihoods.permissions import DECIDER_ROLES
from arraigo.livelihoods.services.common import CENTS, money

CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
COMMENT_MAX_LENGTH = 5000


class RubricInvalid(ApplicationError):
    """Raised when a call's rubric, scale, pass mark or number of evaluations does not hold."""


class RubricLocked(ApplicationError):
    """Raised when the rubric is changed after a plan of the call was scored."""


class PlanNotWithCommittee(ApplicationError):
    """Raised when a plan is assigned, scored or decided while not before the committee."""


class EvaluatorNotEligible(ApplicationError):
    """Raised when a plan is assigned to someone who is not an evaluator of the organisation."""


class AlreadyAssigned(ApplicationError):
    """Raised when an evaluator is assigned twice to the same plan."""


class NotYourAssignment(ApplicationError):
    """Raised when someone declares or scores on another evaluator's behalf."""


class ConflictAlreadyDeclared(ApplicationError):
    """Raised when the conflict-of-interest declaration is made twice."""


class NoConflictDeclaration(ApplicationError):
    """Raised when an evaluator scores before declaring any conflict of interest."""


class ConflictOfInterest(ApplicationError):
    """Raised when an evaluator who declared a conflict of interest tries to score."""


class AlreadyScored(ApplicationError):
    """Raised when an evaluator submits a second evaluation of the same plan."""


class ScoreOutOfScale(ApplicationError):
    """Raised when a criterion score is outside the call's scale."""


class ScoresIncomplete(ApplicationError):
    """Raised when an evaluation leaves a rubric criterion unscored."""


class NotEnoughEvaluations(ApplicationError):
    """Raised when a plan is decided before enough evaluators submitted their scores."""


class NotAllowedToDecide(ApplicationError):
    """Raised when someone who is not programme management decides a plan."""


class BelowPassMark(ApplicationError):
    """Raised when a plan whose committee score is below the pass mark is approved."""


class DecisionInvalid(ApplicationError):
    """Raised when a decision lacks its reason, its changes or a valid approved amount."""


# --- Rubric -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricRow:
    code: str
    label_es: str
    label_en: str
    weight: int
    order: int = 0


def weighted_total(
    scores: Mapping[str, int], weights: Mapping[str, int], *, scale_max: int
) -> Decimal:
    """The score out of 100: each criterion's score over the scale, weighted by its weight."""
    weight_sum = sum(weights.values())
    if not weight_sum:
        return Decimal("0.00")
    earned = sum(
        Decimal(weights[code]) * Decimal(scores[code]) / Decimal(scale_max) for code in weights
    )
    return (earned * 100 / Decimal(weight_sum)).quantize(CENTS, rounding=ROUND_HALF_UP)


@transaction.atomic
def rubric_save(
    *,
    call: Call,
    rows: Sequence[RubricRow],
    scale_max: int,
    pass_mark: Decimal,
    evaluations_required: int,
    by: User,
    at: datetime.datetime,
) -> list[RubricCriterion]:
    """Set the call's rubric, the scale of each criterion, the pass mark and how many
    evaluations each plan needs. Criteria left out are removed.

    :raises RubricLocked: once a plan of the call has been scored.
    :raises RubricInvalid: for a code, label or weight that does not hold, a scale outside
        1–100, a pass mark outside 0–100, or fewer than three evaluations.
    """
    if Evaluation.objects.filter(plan__application__call=call).exists():
        raise RubricLocked(
            _("Plans of this call have been scored: the rubric can no longer change.")
        )
    seen: set[str] = set()
    cleaned: list[RubricRow] = []
    for row in rows:
        code = row.code.strip().upper()
        if not CODE.match(code):
            raise RubricInvalid(
                _("The code “%(code)s” must be capital letters, digits or _ (2 to 40).")
                % {"code": code}
            )
        if code in seen:
            raise RubricInvalid(_("The code “%(code)s” is used twice.") % {"code": code})
        seen.add(code)
        if not row.label_es.strip() or not row.label_en.strip():
            raise RubricInvalid(
                _("Name the criterion “%(code)s” in Spanish and in English.") % {"code": code}
            )
        if not 1 <= row.weight <= 100:
            raise RubricInvalid(
                _("The weight of “%(code)s” must be from 1 to 100.") % {"code": code}
            )
        cleaned.append(
            RubricRow(code, row.label_es.strip(), row.label_en.strip(), row.weight, row.order)
        )
    if not cleaned:
        raise RubricInvalid(_("A rubric has at least one criterion."))
    if not 1 <= scale_max <= 100:
        raise RubricInvalid(_("The scale goes up to a number from 1 to 100."), field="scale_max")
    if not Decimal("0") <= pass_mark <= Decimal("100"):
        raise RubricInvalid(_("The pass mark is out of 100."), field="pass_mark")
    if evaluations_required < 3:
        raise RubricInvalid(
            _("Each plan needs at least three evaluations."), field="evaluations_required"
        )
    existing = {c.code: c for c in call.rubric.all()}
    for code, criterion in existing.items():
        if code not in seen:
            audit.record(
                actor=by,
                action="rubric_criterion.removed",
                target=criterion,
                at=at,
                changes={"code": [code, None], "weight": [criterion.weight, None]},
            )
            criterion.delete()
    for row in cleaned:
        found = existing.get(row.code)
        if found is None:
            added = RubricCriterion.objects.create(
                call=call,
                code=row.code,
                label_es=row.label_es,
                label_en=row.label_en,
                weight=row.weight,
                order=row.order,
            )
            audit.record_created(actor=by, action="rubric_criterion.added", target=added, at=at)
            continue
        criterion = found
        before = audit.snapshot(criterion)
        criterion.label_es, criterion.label_en = row.label_es, row.label_en
        criterion.weight, criterion.order = row.weight, row.order
        changes = audit.changes_between(before, criterion)
        if changes:
            criterion.save()
            audit.record(
                actor=by,
                action="rubric_criterion.changed",
                target=criterion,
                at=at,
                changes=changes,
            )
    before = audit.snapshot(call)
    call.score_scale_max = scale_max
    call.pass_mark = pass_mark
    call.evaluations_required = evaluations_required
    changes = audit.changes_between(before, call)
    if changes:
        call.save(
            update_fields=["score_scale_max", "pass_mark", "evaluations_required", "updated_at"]
        )
        audit.record(
            actor=by, action="seed_capital_call.rubric_set", target=call, at=at, changes=changes
        )
    return list(call.rubric.all())


# --- Evaluators ---------------------------------------------------------------------------------


def _require_with_committee(plan: BusinessPlan) -> None:
    if plan.status != BusinessPlan.Status.SUBMITTED:
        raise PlanNotWithCommittee(
            _("This plan is not before the committee (now: %(status)s).")
            % {"status": plan.get_status_display()}
        )


@transaction.atomic
def evaluator_assign(
    *, plan: BusinessPlan, evaluator: User, by: User, at: datetime.datetime
) -> EvaluatorAssignment:
    """Ask *evaluator* to score *plan*.

    :raises PlanNotWithCommittee: if the plan is not before the committee.
    :raises EvaluatorNotEligible: if *evaluator* is not an active EVALUATOR of the
        organisation.
    :raises AlreadyAssigned: if it is already assigned to the plan.
    """
    _require_with_committee(plan)
    membership = membership_of(evaluator)
    if (
        membership is None
        or membership.role != Role.EVALUATOR
        or membership.organisation_id != plan.organisation_id
    ):
        raise EvaluatorNotEligible(
            _("Choose an evaluator of your organisation."), field="evaluator"
        )
    if EvaluatorAssignment.objects.filter(plan=plan, evaluator=evaluator).exists():
        raise AlreadyAssigned(
            _("%(name)s is already an evaluator of this plan.") % {"name": evaluator.full_name},
            field="evaluator",
        )
    assignment = EvaluatorAssignment(plan=plan, evaluator=evaluator, assigned_by=by, assigned_at=at)
    assignment.save(force_insert=True)
    audit.record_created(actor=by, action="evaluator.assigned", target=assignment, at=at)
    return assignment


def _require_own(assignment: EvaluatorAssignment, by: User) -> None:
    if assignment.evaluator_id != by.pk:
        raise NotYourAssignment(_("Only the evaluator assigned can do this."))


@transaction.atomic
def conflict_declare(
    *, assignment: EvaluatorAssignment, has_conflict: bool, by: User, at: datetime.datetime
) -> EvaluatorAssignment:
    """Record the evaluator's declaration of (no) conflict of interest with the plan.

    An evaluator with a conflict stands aside: it cannot score the plan.

    :raises NotYourAssignment: if *by* is not the evaluator assigned.
    :raises ConflictAlreadyDeclared: if it was already declared.
    :raises PlanNotWithCommittee: if the plan is no longer before the committee.
    """
    _require_own(assignment, by)
    if assignment.conflict_declared_at is not None:
        raise ConflictAlreadyDeclared(_("The declaration was already made."))
    _require_with_committee(assignment.plan)
    audit.save_fields(
        assignment,
        {"has_conflict": has_conflict, "conflict_declared_at": at},
        actor=by,
        action="evaluator.conflict_declared" if has_conflict else "evaluator.no_conflict_declared",
        at=at,
    )
    return assignment


@transaction.atomic
def evaluation_submit(
    *,
    assignment: EvaluatorAssignment,
    scores: Mapping[UUID, int],
    comment: str,
    by: User,
    at: datetime.datetime,
) -> Evaluation:
    """Submit the evaluator's scores of the plan, once; the weighted total is computed.

    :raises NotYourAssignment: if *by* is not the evaluator assigned.
    :raises PlanNotWithCommittee: if the plan is no longer before the committee.
    :raises NoConflictDeclaration: if no conflict-of-interest declaration was made.
    :raises ConflictOfInterest: if the evaluator declared a conflict.
    :raises AlreadyScored: if the evaluator already submitted its evaluation.
    :raises ScoresIncomplete: if a criterion of the rubric is not scored.
    :raises ScoreOutOfScale: for a score outside 0 to the call's scale (``field`` names the
        criterion's form field, ``score_<code>``).
    :raises ValidationError: keyed by field: a comment too long.
    """
    _require_own(assignment, by)
    plan = assignment.plan
    _require_with_committee(plan)
    if assignment.has_conflict is None:
        raise NoConflictDeclaration(
            _("Declare whether you have a conflict of interest with this plan before scoring.")
        )
    if assignment.has_conflict:
        raise ConflictOfInterest(
            _("You declared a conflict of interest with this plan: you cannot score it.")
        )
    if Evaluation.objects.filter(assignment=assignment).exists():
        raise AlreadyScored(_("You already submitted your evaluation of this plan."))
    call = plan.application.call
    criteria = list(call.rubric.all())
    by_id = {criterion.pk: criterion for criterion in criteria}
    if set(scores) - set(by_id):
        raise ScoresIncomplete(_("Some scores are for criteria no longer in the rubric."))
    for criterion in criteria:
        if criterion.pk not in scores or scores[criterion.pk] is None:
            raise ScoresIncomplete(
                _("Score every criterion: “%(criterion)s” is missing.")
                % {"criterion": criterion.label},
                field=f"score_{criterion.code}",
            )
        if not 0 <= scores[criterion.pk] <= call.score_scale_max:
            raise ScoreOutOfScale(
                _("“%(criterion)s” is scored from 0 to %(max)s.")
                % {"criterion": criterion.label, "max": call.score_scale_max},
                field=f"score_{criterion.code}",
            )
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": _("Keep the comment under %(max)s characters.")
                % {"max": COMMENT_MAX_LENGTH}
            }
        )
    total = weighted_total(
        {c.code: scores[c.pk] for c in criteria},
        {c.code: c.weight for c in criteria},
        scale_max=call.score_scale_max,
    )
    evaluation = Evaluation(
        assignment=assignment,
        plan=plan,
        evaluator=by,
        submitted_at=at,
        total=total,
        comment=comment,
    )
    try:
        with transaction.atomic():
            evaluation.save(force_insert=True)
    except IntegrityError as error:  # the same evaluation sent twice at once
        raise AlreadyScored(_("You already submitted your evaluation of this plan.")) from error
    EvaluationScore.objects.bulk_create(
        [
            EvaluationScore(evaluation=evaluation, criterion=criterion, score=scores[criterion.pk])
            for criterion in criteria
        ]
    )
    changes = audit.changes_between({}, evaluation)
    changes["scores"] = [None, {c.code: scores[c.pk] for c in criteria}]
    audit.record(actor=by, action="evaluation.submitted", target=evaluation, at=at, changes=changes)
    return evaluation


# --- Decision -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    outcome: str  # APPROVED, APPROVED_WITH_CHANGES or REJECTED
    reason: str
    changes_required: str = ""
    approved_amount: Decimal | None = None


@dataclass(frozen=True)
class CommitteeResult:
    count: int
    mean: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None

    @property
    def spread(self) -> Decimal | None:
        if self.lowest is None or self.highest is None:
            return None
        return self.highest - self.lowest


def committee_result(plan: BusinessPlan) -> CommitteeResult:
    """The submitted evaluations of *plan*: how many, their mean and their spread."""
    totals = list(Evaluation.objects.filter(plan=plan).values_list("total", flat=True))
    if not totals:
        return CommitteeResult(0, None, None, None)
    mean = (sum(totals, Decimal("0")) / len(totals)).quantize(CENTS, rounding=ROUND_HALF_UP)
    return CommitteeResult(len(totals), mean, min(totals), max(totals))


@transaction.atomic
def plan_decide(
    *, plan: BusinessPlan, decision: Decision, by: User, at: datetime.datetime
) -> BusinessPlan:
    """Approve, approve with changes, or reject *plan*, with a reason.

    :raises NotAllowedToDecide: if *by* is not an ADMIN or MANAGER (an evaluator never
        decides).
    :raises PlanNotWithCommittee: if the plan is not before the committee (or decided).
    :raises NotEnoughEvaluations: if fewer evaluations than the call requires were submitted.
    :raises BelowPassMark: if an approved plan's committee score is below the pass mark.
    :raises DecisionInvalid: for a missing reason or changes, or an approved amount that is
        not above zero and within the grant requested.
    """
    membership = membership_of(by)
    if membership is None or membership.role not in DECIDER_ROLES:
        raise NotAllowedToDecide(_("Only programme management decides on business plans."))
    _require_with_committee(plan)
    if decision.outcome not in BusinessPlan.DECIDED_STATUSES:
        raise DecisionInvalid(_("Choose a decision."), field="outcome")
    call = plan.application.call
    result = committee_result(plan)
    if result.count < call.evaluations_required:
        raise NotEnoughEvaluations(
            _(
                "%(count)s of the %(needed)s evaluations this call requires have been submitted; "
                "decide once the committee has scored the plan."
            )
            % {"count": result.count, "needed": call.evaluations_required}
        )
    reason = decision.reason.strip()
    if not reason:
        raise DecisionInvalid(_("Give the reason for the decision."), field="reason")
    changes_required = decision.changes_required.strip()
    approved_amount: Decimal | None = None
    if decision.outcome in BusinessPlan.APPROVED_STATUSES:
        assert result.mean is not None  # at least three evaluations were counted above
        if result.mean < call.pass_mark:
            raise BelowPassMark(
                _(
                    "The committee's score (%(score)s) is below the call's pass mark "
                    "(%(pass_mark)s): the plan cannot be approved."
                )
                % {"score": result.mean, "pass_mark": call.pass_mark}
            )
        approved_amount = decision.approved_amount or plan.grant_requested
        if not Decimal("0") < approved_amount <= plan.grant_requested:
            raise DecisionInvalid(
                _("The approved amount must be above zero and at most the %(requested)s requested.")
                % {"requested": money(plan.grant_requested, call.currency)},
                field="approved_amount",
            )
    if decision.outcome == BusinessPlan.Status.APPROVED_WITH_CHANGES and not changes_required:
        raise DecisionInvalid(_("Say which changes are required."), field="changes_required")
    audit.save_fields(
        plan,
        {
            "status": decision.outcome,
            "decision_reason": reason,
            "changes_required": changes_required
            if decision.outcome == BusinessPlan.Status.APPROVED_WITH_CHANGES
            else "",
            "approved_amount": approved_amount,
            "committee_score": result.mean,
            "committee_spread": result.spread,
            "decided_at": at,
            "decided_by": by,
        },
        actor=by,
        action="business_plan.decided",
        at=at,
    )
    return plan
