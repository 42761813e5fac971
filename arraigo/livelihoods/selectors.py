"""Reads of seed capital for pages and other apps, always from a permission-scoped queryset."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import membership_of
from arraigo.cases.models import Case
from arraigo.cases.selectors import oversees_programmes
from arraigo.livelihoods import rules, sectors
from arraigo.livelihoods.indicators import age_band_label, age_band_of
from arraigo.livelihoods.models import (
    CANVAS_FIELDS,
    Application,
    Award,
    BudgetLine,
    BusinessPlan,
    Call,
    EligibilityRule,
    Evaluation,
    EvaluatorAssignment,
    FollowUpVisit,
    PriorityCriterion,
    PurchaseOrder,
    PurchaseOrderLine,
    Quota,
    RubricCriterion,
)
from arraigo.livelihoods.permissions import (
    visible_applications,
    visible_assignments,
    visible_awards,
    visible_calls,
    visible_plans,
    visible_visits,
)
from arraigo.livelihoods.services.committee import CommitteeResult, committee_result
from arraigo.people.models import Participant

# How far ahead "My work" looks for follow-up visits coming due.
VISITS_DUE_DAYS = 14
ZERO = Decimal("0.00")


# --- Calls --------------------------------------------------------------------------------------


def call_list(*, user: User) -> QuerySet[Call]:
    """The calls *user* sees, newest first, with ``applicants`` and ``selected`` counted."""
    return (
        visible_calls(user)
        .select_related("programme")
        .annotate(
            applicants=Count("applications", distinct=True),
            selected=Count(
                "applications", filter=Q(applications__selected_at__isnull=False), distinct=True
            ),
        )
        .order_by("-opens_on", "-id")
    )


def status_counts(*, call: Call) -> dict[str, int]:
    """How many applications of *call* are in each status (every status listed)."""
    counts = dict.fromkeys(Application.Status.values, 0)
    for row in call.applications.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


# Newest applications first; the id breaks ties, so keyset pages never skip or repeat one.
APPLICATION_ORDERING = ["-applied_on", "-id"]


def call_applications(*, user: User, call: Call, status: str = "") -> QuerySet[Application]:
    """The call's applications *user* sees, optionally in one status; order with
    APPLICATION_ORDERING (the ranking page shows them by rank)."""
    applications = (
        visible_applications(user)
        .filter(call=call)
        .select_related("participant", "participant__municipality")
    )
    if status:
        applications = applications.filter(status=status)
    return applications


def participant_applications(*, user: User, participant: Participant) -> QuerySet[Application]:
    """The seed-capital applications of *participant* that *user* sees, newest first."""
    return (
        visible_applications(user)
        .filter(participant=participant)
        .select_related("call__programme")
        .order_by("-applied_on", "-id")
    )


def open_calls_for(*, user: User, participant: Participant) -> QuerySet[Call]:
    """Open calls of the person's programmes that *user* sees and the person has not applied to."""
    return (
        visible_calls(user)
        .filter(
            status=Call.Status.OPEN,
            organisation_id=participant.organisation_id,
            programme__enrolments__participant=participant,
        )
        .exclude(applications__participant=participant)
        .select_related("programme")
        .order_by("closes_on", "id")
    )


def applicable_participants(
    *, call: Call, participants: QuerySet[Participant]
) -> QuerySet[Participant]:
    """Of *participants* (already scoped to a user), those who may apply to *call*."""
    return participants.filter(
        organisation_id=call.organisation_id, enrolments__programme=call.programme
    ).exclude(seed_capital_applications__call=call)


# --- Ranking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleLine:
    label: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class PointsLine:
    label: str
    weight: int
    points: str
    reason: str


@dataclass(frozen=True)
class RankingRow:
    application: Application
    rules: list[RuleLine]
    points: list[PointsLine]
    note: str
    moved: str  # "PROMOTED", "DISPLACED", "FROM_WAITING_LIST" or ""


@dataclass(frozen=True)
class QuotaStatus:
    label: str
    needed: int
    have: int

    @property
    def met(self) -> bool:
        return self.have >= self.needed


@dataclass
class Ranking:
    call: Call
    ranked: list[RankingRow] = field(default_factory=list)
    ineligible: list[RankingRow] = field(default_factory=list)
    unchecked: list[RankingRow] = field(default_factory=list)
    withdrawn: list[Application] = field(default_factory=list)
    quotas: list[QuotaStatus] = field(default_factory=list)
    max_score: int = 0


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def note_text(note: dict[str, Any], quotas: dict[str, Quota]) -> str:
    """Why a quota or a withdrawal moved an application, in the current language."""
    effect = note.get("effect", "")
    quota = quotas.get(str(note.get("quota", "")))
    name = rules.quota_label(quota.kind, quota.value, quota.min_percent) if quota else ""
    if effect == "PROMOTED":
        return _(
            "Moved up to the shortlist by the quota “%(quota)s”, in place of no. %(rank)s."
        ) % {
            "quota": name,
            "rank": note.get("instead_of"),
        }
    if effect == "DISPLACED":
        return _(
            "Would have been shortlisted; the quota “%(quota)s” gave the place to no. %(rank)s."
        ) % {"quota": name, "rank": note.get("by")}
    if effect == "FROM_WAITING_LIST":
        if name:
            return _(
                "Took the place of no. %(rank)s, who withdrew, to keep the quota “%(quota)s”."
            ) % {"rank": note.get("replaces"), "quota": name}
        return _("Took the place of no. %(rank)s, who withdrew.") % {"rank": note.get("replaces")}
    return ""


def _row(application: Application, quotas: dict[str, Quota]) -> RankingRow:
    return RankingRow(
        application=application,
        rules=[
            RuleLine(
                label=_label(EligibilityRule.Kind, entry.get("kind", "")),
                passed=bool(entry.get("passed")),
                reason=rules.reason_text(entry),
            )
            for entry in application.eligibility or []
        ],
        points=[
            PointsLine(
                label=_label(PriorityCriterion.Kind, entry.get("kind", "")),
                weight=int(entry.get("weight", 0)),
                points=str(entry.get("points", "0")),
                reason=rules.reason_text(entry),
            )
            for entry in application.score_breakdown or []
        ],
        note=note_text(application.selection_note or {}, quotas),
        moved=str((application.selection_note or {}).get("effect", "")),
    )


def ranking(*, call: Call) -> Ranking:
    """The call's ranking as last computed: eligible applicants in rank order with their
    score by criterion, the others with the reason of each rule, and how the quotas stand.

    Not scoped to a user: the caller has checked the call.
    """
    quotas = {str(q.pk): q for q in call.quotas.all()}
    applications = list(
        call.applications.select_related("participant", "participant__municipality").order_by(
            "rank", "applied_on", "id"
        )
    )
    result = Ranking(call=call, max_score=sum(c.weight for c in call.priority_criteria.all()))
    for application in applications:
        if application.status == Application.Status.WITHDRAWN:
            result.withdrawn.append(application)
        elif application.rank is not None:
            result.ranked.append(_row(application, quotas))
        elif application.status == Application.Status.INELIGIBLE:
            result.ineligible.append(_row(application, quotas))
        else:
            result.unchecked.append(_row(application, quotas))
    frozen = call.is_frozen
    chosen = [
        row.application
        for row in result.ranked
        if (
            row.application.status == Application.Status.SELECTED
            if frozen
            else row.application.proposal == Application.Proposal.SELECTED
        )
    ]
    for quota in quotas.values():
        spec = rules.QuotaSpec(str(quota.pk), quota.kind, quota.value, quota.min_percent)
        have = sum(1 for a in chosen if spec.trait in _traits(a.participant))
        result.quotas.append(
            QuotaStatus(
                label=rules.quota_label(quota.kind, quota.value, quota.min_percent),
                needed=spec.needed(call.places),
                have=have,
            )
        )
    return result


def _traits(participant: Participant) -> frozenset[str]:
    return rules.traits_of(
        sex=participant.sex,
        has_disability=participant.has_disability,
        population_type=participant.population_type,
    )


def application_detail(*, application: Application) -> RankingRow:
    quotas = {str(q.pk): q for q in application.call.quotas.all()}
    return _row(application, quotas)


# --- Plans --------------------------------------------------------------------------------------


def call_plans(*, user: User, call: Call) -> QuerySet[BusinessPlan]:
    """The call's plans *user* sees, with ``evaluations_count`` and ``assigned_count``."""
    return (
        visible_plans(user)
        .filter(application__call=call)
        .select_related("application__participant")
        .annotate(
            evaluations_count=Count("evaluations", distinct=True),
            assigned_count=Count("assignments", distinct=True),
        )
        .order_by("number", "id")
    )


def plan_budget(*, plan: BusinessPlan) -> QuerySet[BudgetLine]:
    return plan.budget_lines.order_by("order", "id")


def canvas(plan: BusinessPlan) -> list[tuple[str, str]]:
    """The lean canvas of *plan*: (box, what it says), in the canvas's order."""
    return [
        (
            str(getattr(BusinessPlan._meta.get_field(name), "verbose_name", name)),
            getattr(plan, name),
        )
        for name in CANVAS_FIELDS
    ]


@dataclass(frozen=True)
class EvaluatorPlanView:
    """What an evaluator sees of a plan and its applicant: no name beyond the first given
    name, no reference, document, phone, address or case notes."""

    plan: BusinessPlan
    label: str
    first_name: str
    sex: str
    age_band: str
    municipality: str
    sector: str
    occupation: str
    business_municipality: str
    canvas: list[tuple[str, str]]
    budget: list[BudgetLine]
    currency: str


def plan_for_evaluator(*, assignment: EvaluatorAssignment) -> EvaluatorPlanView:
    plan = BusinessPlan.objects.select_related(
        "application__call",
        "application__participant__municipality",
        "occupation",
        "municipality",
    ).get(pk=assignment.plan_id)
    application = plan.application
    person = application.participant
    return EvaluatorPlanView(
        plan=plan,
        label=plan.label,
        first_name=person.given_names.split(" ")[0],
        sex=person.get_sex_display(),
        age_band=age_band_label(age_band_of(person.birth_date, application.call.opens_on)),
        municipality=person.municipality.name,
        sector=f"{plan.isic_section} · {sectors.section_title(plan.isic_section)}",
        occupation=str(plan.occupation) if plan.occupation else "",
        business_municipality=plan.municipality.name,
        canvas=canvas(plan),
        budget=list(plan_budget(plan=plan)),
        currency=application.call.currency,
    )


@dataclass(frozen=True)
class EvaluationRow:
    evaluation: Evaluation
    scores: dict[str, int]


@dataclass(frozen=True)
class CommitteeView:
    """The committee's work on a plan: who was asked, who declared what, the scores."""

    criteria: list[RubricCriterion]
    assignments: list[EvaluatorAssignment]
    evaluations: list[EvaluationRow]
    result: CommitteeResult
    criterion_spread: dict[str, tuple[int, int]]  # code: (lowest, highest)
    required: int
    pass_mark: Decimal

    @property
    def passes(self) -> bool | None:
        if self.result.mean is None:
            return None
        return self.result.mean >= self.pass_mark

    @property
    def enough(self) -> bool:
        return self.result.count >= self.required


def committee_view(*, plan: BusinessPlan) -> CommitteeView:
    """Every evaluation of *plan* with its scores, the mean and the spread (for management).

    Not scoped to a user: only ADMIN and MANAGER pages show it.
    """
    call = plan.application.call
    criteria = list(call.rubric.all())
    evaluations = list(
        Evaluation.objects.filter(plan=plan)
        .select_related("evaluator")
        .prefetch_related("scores__criterion")
        .order_by("submitted_at", "id")
    )
    rows = [
        EvaluationRow(e, {s.criterion.code: s.score for s in e.scores.all()}) for e in evaluations
    ]
    spread: dict[str, tuple[int, int]] = {}
    for criterion in criteria:
        values = [row.scores[criterion.code] for row in rows if criterion.code in row.scores]
        if values:
            spread[criterion.code] = (min(values), max(values))
    return CommitteeView(
        criteria=criteria,
        assignments=list(
            plan.assignments.select_related("evaluator").order_by("assigned_at", "id")
        ),
        evaluations=rows,
        result=committee_result(plan),
        criterion_spread=spread,
        required=call.evaluations_required,
        pass_mark=call.pass_mark,
    )


def others_evaluations(*, assignment: EvaluatorAssignment) -> list[EvaluationRow]:
    """The other evaluators' scores of the plan: only once this evaluator submitted its own."""
    if not Evaluation.objects.filter(assignment=assignment).exists():
        return []
    return [
        EvaluationRow(e, {s.criterion.code: s.score for s in e.scores.all()})
        for e in Evaluation.objects.filter(plan_id=assignment.plan_id)
        .exclude(assignment=assignment)
        .prefetch_related("scores__criterion")
        .order_by("submitted_at", "id")
    ]


def evaluator_queue(*, user: User) -> QuerySet[EvaluatorAssignment]:
    """An evaluator's plans: those still to score first, each with ``scored``."""
    return (
        visible_assignments(user)
        .select_related("plan__application__call")
        .annotate(scored=Exists(Evaluation.objects.filter(assignment=OuterRef("pk"))))
        .order_by("scored", "assigned_at", "id")
    )


def assignable_evaluators(*, plan: BusinessPlan) -> QuerySet[User]:
    """Active evaluators of the plan's organisation not yet asked to score it."""
    return (
        User.objects.filter(
            is_active=True,
            membership__role=Role.EVALUATOR,
            membership__organisation_id=plan.organisation_id,
            membership__organisation__is_active=True,
        )
        .exclude(plan_assignments__plan=plan)
        .order_by("full_name", "email")
    )


# --- Awards -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardMoney:
    amount: Decimal
    planned: Decimal
    ordered: Decimal
    delivered: Decimal
    contributed: Decimal

    @property
    def left_to_order(self) -> Decimal:
        return self.amount - self.ordered

    @property
    def left_to_plan(self) -> Decimal:
        return self.amount - self.planned


def award_money(*, award: Award) -> AwardMoney:
    def total(queryset: Any, name: str) -> Decimal:
        return queryset.aggregate(t=Coalesce(Sum(name), ZERO))["t"]

    return AwardMoney(
        amount=award.amount,
        planned=total(award.tranches.all(), "amount"),
        ordered=total(
            award.purchase_orders.exclude(status=PurchaseOrder.Status.CANCELLED), "total"
        ),
        delivered=total(award.deliveries.all(), "value"),
        contributed=total(award.contributions.all(), "amount"),
    )


def lines_left_to_order(*, award: Award, supplier: str = "") -> list[dict[str, Any]]:
    """The plan's budget lines as order lines, for the part the award pays and no order has yet.

    The participant's own contribution is theirs to buy, so a line it pays in whole is left
    out, and a line it pays in part is proposed for the award's part only: as whole units
    where the unit cost divides it, as one amount otherwise. Lines of *supplier* only if given.
    """
    ordered = (
        PurchaseOrderLine.objects.filter(budget_line__plan=award.plan_id)
        .exclude(order__status=PurchaseOrder.Status.CANCELLED)
        .values("budget_line")
        .annotate(t=Sum("total"))
    )
    ordered_by_line = {row["budget_line"]: row["t"] for row in ordered}
    proposed = []
    for line in award.plan.budget_lines.order_by("order", "id"):
        if supplier and line.supplier != supplier:
            continue
        left = line.grant_part - ordered_by_line.get(line.pk, ZERO)
        if left <= 0:
            continue
        whole_units = line.unit_cost > 0 and left % line.unit_cost == 0
        proposed.append(
            {
                "budget_line": line.pk,
                "item": line.item,
                "quantity": left / line.unit_cost if whole_units else Decimal("1"),
                "unit_cost": line.unit_cost if whole_units else left,
            }
        )
    return proposed


def award_orders(*, award: Award) -> QuerySet[PurchaseOrder]:
    """The award's orders, each line annotated with ``received`` (quantity delivered so far)."""
    return (
        award.purchase_orders.select_related("tranche")
        .prefetch_related("lines")
        .order_by("issued_on", "id")
    )


def received_by_line(*, order: PurchaseOrder) -> dict[UUID, Decimal]:
    rows = order.lines.annotate(received=Coalesce(Sum("deliveries__quantity"), Decimal("0")))
    return {row.pk: row.received for row in rows}


def plan_award(*, user: User, plan: BusinessPlan) -> Award | None:
    return visible_awards(user).filter(plan=plan).first()


# --- Follow-up ----------------------------------------------------------------------------------


def visits_due(*, user: User, today: datetime.date) -> QuerySet[FollowUpVisit]:
    """Scheduled visits overdue or due within VISITS_DUE_DAYS days, earliest first.

    A caseworker's are those of the people whose case in the programme it carries; an ADMIN's
    or MANAGER's every one of its programmes.
    """
    visits = visible_visits(user).filter(
        status=FollowUpVisit.Status.SCHEDULED,
        due_on__lte=today + datetime.timedelta(days=VISITS_DUE_DAYS),
    )
    membership = membership_of(user)
    if membership is not None and not oversees_programmes(user):
        mine = Case.objects.filter(
            participant_id=OuterRef("award__plan__application__participant_id"),
            programme_id=OuterRef("award__plan__application__call__programme_id"),
            assigned_to=user,
        )
        visits = visits.filter(Exists(mine))
    return visits.select_related(
        "award__plan__application__participant", "award__plan__application__call"
    ).order_by("due_on", "id")


def award_visits(*, award: Award) -> QuerySet[FollowUpVisit]:
    return (
        award.visits.select_related("visited_by")
        .prefetch_related("referrals")
        .order_by("months_after", "id")
    )
