"""Writes of business plans: the plan and its budget, whose totals are always computed."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from arraigo.accounts.models import User
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.core.models import AdministrativeDivision, Occupation
from arraigo.learning.selectors import has_completed
from arraigo.livelihoods import sectors
from arraigo.livelihoods.models import CANVAS_FIELDS, Application, BudgetLine, BusinessPlan, Call
from arraigo.livelihoods.services.common import CENTS, money

MAX_BUDGET_LINES = 60
MAX_QUANTITY = Decimal("99999999")
MAX_MONEY = Decimal("9999999999")


class PlanNotAllowed(ApplicationError):
    """Raised when a plan is started for an application that was not selected."""


class PlanAlreadyExists(ApplicationError):
    """Raised when an application already has its business plan."""


class PlanNotEditable(ApplicationError):
    """Raised when a business plan is changed after it was presented to the committee."""


class PlanOverMaximum(ApplicationError):
    """Raised when the grant a plan requests is above the call's maximum grant."""


class BudgetInvalid(ApplicationError):
    """Raised when a budget line does not hold (quantity, cost, own contribution)."""


class PlanBudgetEmpty(ApplicationError):
    """Raised when a plan without budget lines is presented."""


class CoursesNotCompleted(ApplicationError):
    """Raised when a plan is presented before the call's required courses are completed."""


@dataclass(frozen=True)
class PlanDetails:
    business_name: str
    idea: str
    isic_section: str
    municipality: AdministrativeDivision
    occupation: Occupation | None = None
    location_detail: str = ""
    market: str = ""
    customers: str = ""
    experience: str = ""
    canvas: dict[str, str] = field(default_factory=dict)
    expected_monthly_sales: Decimal = Decimal("0")
    expected_monthly_costs: Decimal = Decimal("0")
    jobs_created: int = 0


@dataclass(frozen=True)
class LineInput:
    item: str
    quantity: Decimal
    unit_cost: Decimal
    supplier: str = ""
    own_contribution: Decimal = Decimal("0")


@dataclass(frozen=True)
class LineTotal:
    line: LineInput
    total: Decimal

    @property
    def grant_part(self) -> Decimal:
        return self.total - self.line.own_contribution


@dataclass(frozen=True)
class PlanTotals:
    lines: list[LineTotal]
    total_cost: Decimal
    own_contribution: Decimal
    grant_requested: Decimal

    def over(self, maximum: Decimal) -> Decimal:
        """How much the grant requested is above *maximum* (0 when within it)."""
        return max(self.grant_requested - maximum, Decimal("0"))


def compute_totals(lines: Sequence[LineInput]) -> PlanTotals:
    """Each line's total (quantity × unit cost), the plan's total, own contribution and grant."""
    rows = [
        LineTotal(line, (line.quantity * line.unit_cost).quantize(CENTS, rounding=ROUND_HALF_UP))
        for line in lines
    ]
    total_cost = sum((row.total for row in rows), Decimal("0.00"))
    own = sum((row.line.own_contribution for row in rows), Decimal("0.00"))
    return PlanTotals(
        lines=rows, total_cost=total_cost, own_contribution=own, grant_requested=total_cost - own
    )


def _check_lines(lines: Sequence[LineInput]) -> PlanTotals:
    if len(lines) > MAX_BUDGET_LINES:
        raise BudgetInvalid(
            _("A budget has at most %(max)s lines.") % {"max": MAX_BUDGET_LINES}, field="budget"
        )
    for number, line in enumerate(lines, start=1):
        if not line.item.strip():
            raise BudgetInvalid(
                _("Line %(n)s: say what is bought.") % {"n": number}, field="budget"
            )
        if not Decimal("0") < line.quantity <= MAX_QUANTITY:
            raise BudgetInvalid(
                _("Line %(n)s: the quantity must be above zero.") % {"n": number}, field="budget"
            )
        if not Decimal("0") <= line.unit_cost <= MAX_MONEY:
            raise BudgetInvalid(
                _("Line %(n)s: the unit cost cannot be negative.") % {"n": number},
                field="budget",
            )
        if line.own_contribution < 0:
            raise BudgetInvalid(
                _("Line %(n)s: the own contribution cannot be negative.") % {"n": number},
                field="budget",
            )
    totals = compute_totals(lines)
    for number, row in enumerate(totals.lines, start=1):
        if row.line.own_contribution > row.total:
            raise BudgetInvalid(
                _("Line %(n)s: the own contribution is above the line's total.") % {"n": number},
                field="budget",
            )
    if totals.total_cost > MAX_MONEY:
        raise BudgetInvalid(_("The budget is too large."), field="budget")
    return totals


def check_maximum(totals: PlanTotals, call: Call) -> None:
    """:raises PlanOverMaximum: if the grant requested is above the call's maximum."""
    if totals.grant_requested > call.max_grant:
        raise PlanOverMaximum(
            _(
                "The grant requested (%(requested)s: total %(total)s minus own contribution "
                "%(own)s) is above the call's maximum of %(maximum)s. Lower the budget by "
                "%(over)s or raise the own contribution."
            )
            % {
                "requested": money(totals.grant_requested, call.currency),
                "total": money(totals.total_cost, call.currency),
                "own": money(totals.own_contribution, call.currency),
                "maximum": money(call.max_grant, call.currency),
                "over": money(totals.over(call.max_grant), call.currency),
            },
            field="budget",
        )


def _clean_details(details: PlanDetails) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if not details.business_name.strip():
        errors["business_name"] = _("Give the business a name.")
    if not details.idea.strip():
        errors["idea"] = _("Describe the business idea.")
    if not sectors.is_section(details.isic_section):
        errors["isic_section"] = _("Choose a sector of the ISIC list (A to U).")
    if details.occupation is not None and details.occupation.level != Occupation.Level.UNIT:
        errors["occupation"] = _(
            "Choose an occupation of the most detailed level (an ISCO-08 unit group, 4 digits)."
        )
    if details.municipality.level != AdministrativeDivision.Level.MUNICIPALITY:
        errors["municipality"] = _("Choose a municipality.")
    for name in ("expected_monthly_sales", "expected_monthly_costs"):
        value = getattr(details, name)
        if not Decimal("0") <= value <= MAX_MONEY:
            errors[name] = _("Write an amount of zero or more.")
    if not 0 <= details.jobs_created <= 1000:
        errors["jobs_created"] = _("Write a number from 0 to 1000.")
    unknown = set(details.canvas) - set(CANVAS_FIELDS)
    if unknown:
        errors["canvas"] = _("Unknown parts of the canvas.")
    if errors:
        raise ValidationError(errors)
    values: dict[str, Any] = {
        "business_name": details.business_name.strip(),
        "idea": details.idea.strip(),
        "isic_section": details.isic_section,
        "occupation": details.occupation,
        "municipality": details.municipality,
        "location_detail": details.location_detail.strip(),
        "market": details.market.strip(),
        "customers": details.customers.strip(),
        "experience": details.experience.strip(),
        "expected_monthly_sales": details.expected_monthly_sales,
        "expected_monthly_costs": details.expected_monthly_costs,
        "jobs_created": details.jobs_created,
    }
    values.update({name: details.canvas.get(name, "").strip() for name in CANVAS_FIELDS})
    return values


def _save_lines(plan: BusinessPlan, totals: PlanTotals) -> None:
    plan.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(
                plan=plan,
                order=number * 10,
                item=row.line.item.strip(),
                quantity=row.line.quantity,
                unit_cost=row.line.unit_cost,
                supplier=row.line.supplier.strip(),
                own_contribution=row.line.own_contribution,
                total=row.total,
            )
            for number, row in enumerate(totals.lines, start=1)
        ]
    )


def _lines_snapshot(plan: BusinessPlan) -> list[list[str]]:
    return [
        [
            line.item,
            str(line.quantity),
            str(line.unit_cost),
            line.supplier,
            str(line.own_contribution),
        ]
        for line in plan.budget_lines.order_by("order", "id")
    ]


@transaction.atomic
def plan_create(
    *,
    application: Application,
    details: PlanDetails,
    lines: Sequence[LineInput],
    by: User,
    at: datetime.datetime,
) -> BusinessPlan:
    """Start the business plan of a selected applicant, as a draft.

    :raises PlanNotAllowed: if the application is not selected.
    :raises PlanAlreadyExists: if it already has a plan.
    :raises BudgetInvalid: for a budget line that does not hold.
    :raises PlanOverMaximum: if the grant requested is above the call's maximum.
    :raises ValidationError: keyed by field: sector, occupation, place, amounts.
    """
    if application.status != Application.Status.SELECTED:
        raise PlanNotAllowed(_("Only a selected applicant presents a business plan."))
    if BusinessPlan.objects.filter(application=application).exists():
        raise PlanAlreadyExists(_("This person already has a business plan in this call."))
    call = Call.objects.select_for_update().get(pk=application.call_id)
    values = _clean_details(details)
    totals = _check_lines(lines)
    check_maximum(totals, call)
    last = BusinessPlan.objects.filter(application__call=call).aggregate(n=Max("number"))["n"]
    plan = BusinessPlan(
        organisation_id=application.organisation_id,
        application=application,
        number=(last or 0) + 1,
        created_by=by,
        total_cost=totals.total_cost,
        own_contribution=totals.own_contribution,
        grant_requested=totals.grant_requested,
        **values,
    )
    plan.save(force_insert=True)
    _save_lines(plan, totals)
    changes = audit.changes_between({}, plan)
    changes["budget_lines"] = [None, _lines_snapshot(plan)]
    audit.record(actor=by, action="business_plan.created", target=plan, at=at, changes=changes)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: BusinessPlan,
    details: PlanDetails,
    lines: Sequence[LineInput],
    by: User,
    at: datetime.datetime,
) -> BusinessPlan:
    """Change a draft plan and its budget; the totals are computed again.

    :raises PlanNotEditable: once the plan was presented to the committee.
    :raises BudgetInvalid: for a budget line that does not hold.
    :raises PlanOverMaximum: if the grant requested is above the call's maximum.
    :raises ValidationError: keyed by field.
    """
    if plan.status != BusinessPlan.Status.DRAFT:
        raise PlanNotEditable(_("This plan was already presented to the committee."))
    values = _clean_details(details)
    totals = _check_lines(lines)
    check_maximum(totals, plan.application.call)
    before = audit.snapshot(plan)
    old_lines = _lines_snapshot(plan)
    for name, value in values.items():
        setattr(plan, name, value)
    plan.total_cost = totals.total_cost
    plan.own_contribution = totals.own_contribution
    plan.grant_requested = totals.grant_requested
    plan.save()
    _save_lines(plan, totals)
    changes = audit.changes_between(before, plan)
    new_lines = _lines_snapshot(plan)
    if new_lines != old_lines:
        changes["budget_lines"] = [old_lines, new_lines]
    if changes:
        audit.record(actor=by, action="business_plan.updated", target=plan, at=at, changes=changes)
    return plan


@transaction.atomic
def plan_submit(*, plan: BusinessPlan, by: User, at: datetime.datetime) -> BusinessPlan:
    """Present *plan* to the selection committee.

    :raises PlanNotEditable: if it was already presented.
    :raises PlanNotAllowed: if the applicant is no longer selected (withdrew).
    :raises PlanBudgetEmpty: if the budget has no line.
    :raises PlanOverMaximum: if the grant requested is above the call's maximum.
    :raises CoursesNotCompleted: if the call asks for its courses before the plan and the
        person has not completed them.
    """
    if plan.status != BusinessPlan.Status.DRAFT:
        raise PlanNotEditable(_("This plan was already presented to the committee."))
    application = plan.application
    call = application.call
    if application.status != Application.Status.SELECTED:
        raise PlanNotAllowed(_("The applicant is no longer selected in this call."))
    lines = [
        LineInput(
            item=line.item,
            quantity=line.quantity,
            unit_cost=line.unit_cost,
            supplier=line.supplier,
            own_contribution=line.own_contribution,
        )
        for line in plan.budget_lines.all()
    ]
    if not lines:
        raise PlanBudgetEmpty(_("Add the budget before presenting the plan."), field="budget")
    check_maximum(compute_totals(lines), call)
    courses = list(call.required_courses.order_by("code", "id"))
    if (
        call.courses_before_plan
        and courses
        and not has_completed(participant=application.participant_id, courses=courses, at=at)
    ):
        raise CoursesNotCompleted(
            _(
                "The call asks for its courses to be completed before the plan is presented: "
                "%(courses)s."
            )
            % {"courses": ", ".join(course.title for course in courses)}
        )
    audit.save_fields(
        plan,
        {"status": BusinessPlan.Status.SUBMITTED, "submitted_at": at, "submitted_by": by},
        actor=by,
        action="business_plan.submitted",
        at=at,
    )
    return plan
