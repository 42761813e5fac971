"""Business plans: computed totals, the call's maximum, sector and occupation, presenting."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from arraigo.core.models import AdministrativeDivision, AuditEvent, Occupation
from arraigo.learning.tests.factories import (
    AttendanceFactory,
    CourseEnrolmentFactory,
    CourseFactory,
    SessionFactory,
)
from arraigo.livelihoods import services
from arraigo.livelihoods.models import Application, BudgetLine, BusinessPlan
from arraigo.livelihoods.services import LineInput, PlanDetails
from arraigo.livelihoods.tests.conftest import NOW
from arraigo.livelihoods.tests.factories import BusinessPlanFactory, SelectedApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def selected(programme):
    return SelectedApplicationFactory(call__programme=programme)


def _details(application, **changes):
    values = {
        "business_name": "Taller de costura Nueva Vida",
        "idea": "Arreglos y uniformes escolares.",
        "isic_section": "C",
        "municipality": application.participant.municipality,
        "occupation": Occupation.objects.get(code="7531"),
        "market": "Escuelas del municipio.",
        "canvas": {"canvas_problem": "Uniformes caros y lejos."},
        "expected_monthly_sales": Decimal("450"),
        "expected_monthly_costs": Decimal("200"),
        "jobs_created": 1,
    }
    values.update(changes)
    return PlanDetails(**values)


LINES = [
    LineInput(
        "Máquina de coser industrial", Decimal("1"), Decimal("850.00"), "Singer SV", Decimal("0")
    ),
    LineInput(
        "Tela (yardas)", Decimal("40"), Decimal("3.25"), "Textiles Ramírez", Decimal("30.00")
    ),
]


def test_totals_are_computed_from_the_lines_never_typed(selected, caseworker):
    plan = services.plan_create(
        application=selected, details=_details(selected), lines=LINES, by=caseworker, at=NOW
    )

    assert plan.total_cost == Decimal("980.00")  # 850 + 40 × 3.25
    assert plan.own_contribution == Decimal("30.00")
    assert plan.grant_requested == Decimal("950.00")
    assert [line.total for line in plan.budget_lines.order_by("order")] == [
        Decimal("850.00"),
        Decimal("130.00"),
    ]
    assert plan.status == BusinessPlan.Status.DRAFT
    assert plan.label == f"{selected.call.code}-001"
    event = AuditEvent.objects.get(action="business_plan.created")
    assert event.changes["budget_lines"][1][0][0] == "Máquina de coser industrial"


def test_totals_round_each_line_to_cents():
    totals = services.compute_totals(
        [
            LineInput("Hilo", Decimal("3"), Decimal("0.335")),
            LineInput("Aguja", Decimal("1.5"), Decimal("1")),
        ]
    )

    assert [row.total for row in totals.lines] == [Decimal("1.01"), Decimal("1.50")]
    assert totals.total_cost == Decimal("2.51")


def test_a_plan_above_the_calls_maximum_is_refused_and_nothing_is_saved(selected, caseworker):
    lines = [
        LineInput(
            "Horno industrial", Decimal("1"), Decimal("1700.00"), own_contribution=Decimal("100")
        )
    ]

    with pytest.raises(services.PlanOverMaximum) as refused:
        services.plan_create(
            application=selected, details=_details(selected), lines=lines, by=caseworker, at=NOW
        )

    assert refused.value.field == "budget"
    assert "1,600.00 USD" in refused.value.message  # requested
    assert "1,500.00 USD" in refused.value.message  # the maximum
    assert "100.00 USD" in refused.value.message  # how much to take off
    assert not BusinessPlan.objects.exists()
    assert not BudgetLine.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="business_plan").exists()


def test_own_contribution_brings_the_grant_within_the_maximum(selected, caseworker):
    lines = [
        LineInput(
            "Horno industrial", Decimal("1"), Decimal("1700.00"), own_contribution=Decimal("200")
        )
    ]

    plan = services.plan_create(
        application=selected, details=_details(selected), lines=lines, by=caseworker, at=NOW
    )

    assert plan.grant_requested == Decimal("1500.00")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LineInput("", Decimal("1"), Decimal("10")), "say what is bought"),
        (LineInput("Mesa", Decimal("0"), Decimal("10")), "quantity must be above zero"),
        (LineInput("Mesa", Decimal("1"), Decimal("-5")), "cannot be negative"),
        (
            LineInput("Mesa", Decimal("1"), Decimal("10"), own_contribution=Decimal("11")),
            "above the line's total",
        ),
    ],
)
def test_budget_lines_that_do_not_hold_are_refused(selected, caseworker, line, message):
    with pytest.raises(services.BudgetInvalid, match=message):
        services.plan_create(
            application=selected, details=_details(selected), lines=[line], by=caseworker, at=NOW
        )
    assert not BusinessPlan.objects.exists()


def test_the_sector_must_be_an_isic_section(selected, caseworker):
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            application=selected,
            details=_details(selected, isic_section="Z"),
            lines=LINES,
            by=caseworker,
            at=NOW,
        )
    assert "isic_section" in refused.value.message_dict


def test_the_occupation_must_be_an_isco_unit_group(selected, caseworker):
    major = Occupation.objects.get(code="7")
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            application=selected,
            details=_details(selected, occupation=major),
            lines=LINES,
            by=caseworker,
            at=NOW,
        )
    assert "unit group" in refused.value.message_dict["occupation"][0]


def test_the_place_must_be_a_municipality(selected, caseworker):
    department = AdministrativeDivision.objects.get(code="SV-PA")
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            application=selected,
            details=_details(selected, municipality=department),
            lines=LINES,
            by=caseworker,
            at=NOW,
        )
    assert "municipality" in refused.value.message_dict


def test_only_a_selected_applicant_presents_a_plan_once(programme, selected, caseworker):
    waiting = SelectedApplicationFactory(
        call=selected.call, status=Application.Status.WAITING, selected_at=None
    )
    with pytest.raises(services.PlanNotAllowed):
        services.plan_create(
            application=waiting, details=_details(waiting), lines=LINES, by=caseworker, at=NOW
        )
    services.plan_create(
        application=selected, details=_details(selected), lines=LINES, by=caseworker, at=NOW
    )
    with pytest.raises(services.PlanAlreadyExists):
        services.plan_create(
            application=selected, details=_details(selected), lines=LINES, by=caseworker, at=NOW
        )


def test_plans_are_numbered_within_the_call(selected, caseworker):
    other = SelectedApplicationFactory(call=selected.call)
    first = services.plan_create(
        application=selected, details=_details(selected), lines=LINES, by=caseworker, at=NOW
    )
    second = services.plan_create(
        application=other, details=_details(other), lines=LINES, by=caseworker, at=NOW
    )

    assert (first.number, second.number) == (1, 2)


def test_updating_a_draft_recomputes_and_audits_the_lines(selected, caseworker):
    plan = services.plan_create(
        application=selected, details=_details(selected), lines=LINES, by=caseworker, at=NOW
    )

    services.plan_update(
        plan=plan,
        details=_details(selected, business_name="Costura Nueva Vida"),
        lines=LINES[:1],
        by=caseworker,
        at=NOW,
    )

    plan.refresh_from_db()
    assert plan.total_cost == Decimal("850.00")
    assert plan.grant_requested == Decimal("850.00")
    assert plan.budget_lines.count() == 1
    event = AuditEvent.objects.get(action="business_plan.updated")
    assert event.changes["business_name"] == ["Taller de costura Nueva Vida", "Costura Nueva Vida"]
    assert len(event.changes["budget_lines"][0]) == 2


def test_a_plan_with_the_committee_cannot_change(selected, caseworker):
    plan = BusinessPlanFactory(application=selected, status=BusinessPlan.Status.SUBMITTED)

    with pytest.raises(services.PlanNotEditable):
        services.plan_update(
            plan=plan, details=_details(selected), lines=LINES, by=caseworker, at=NOW
        )
    with pytest.raises(services.PlanNotEditable):
        services.plan_submit(plan=plan, by=caseworker, at=NOW)


def test_presenting_a_plan_sends_it_to_the_committee(selected, caseworker):
    plan = BusinessPlanFactory(application=selected)

    services.plan_submit(plan=plan, by=caseworker, at=NOW)

    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.SUBMITTED
    assert plan.submitted_at == NOW
    assert AuditEvent.objects.filter(action="business_plan.submitted").exists()


def test_a_plan_without_budget_is_not_presented(selected, caseworker):
    plan = services.plan_create(
        application=selected, details=_details(selected), lines=[], by=caseworker, at=NOW
    )

    with pytest.raises(services.PlanBudgetEmpty):
        services.plan_submit(plan=plan, by=caseworker, at=NOW)


def test_a_withdrawn_applicant_cannot_present_its_plan(selected, caseworker):
    plan = BusinessPlanFactory(application=selected)
    selected.status = Application.Status.WITHDRAWN
    selected.withdrawn_on = NOW.date()
    selected.save()

    with pytest.raises(services.PlanNotAllowed):
        services.plan_submit(plan=plan, by=caseworker, at=NOW)


def test_the_required_courses_are_a_condition_for_presenting_the_plan(selected, caseworker):
    call = selected.call
    course = CourseFactory(programme=call.programme, title="Plan de negocio")
    call.required_courses.add(course)
    plan = BusinessPlanFactory(application=selected)

    with pytest.raises(services.CoursesNotCompleted, match="Plan de negocio"):
        services.plan_submit(plan=plan, by=caseworker, at=NOW)
    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.DRAFT

    session = SessionFactory(course=course)
    enrolment = CourseEnrolmentFactory(course=course, participant=selected.participant)
    AttendanceFactory(session=session, enrolment=enrolment, present=True)
    services.plan_submit(plan=plan, by=caseworker, at=NOW)
    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.SUBMITTED


def test_a_call_may_not_require_the_courses_before_the_plan(selected, caseworker):
    call = selected.call
    call.required_courses.add(CourseFactory(programme=call.programme))
    call.courses_before_plan = False
    call.save()
    plan = BusinessPlanFactory(application=selected)

    services.plan_submit(plan=plan, by=caseworker, at=NOW)

    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.SUBMITTED
