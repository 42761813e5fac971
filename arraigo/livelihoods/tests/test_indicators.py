"""Indicators of a call, each by sex, age band, population type and municipality, with
cells under five people hidden for those who may not see names."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from arraigo.learning.tests.factories import (
    AttendanceFactory,
    CourseEnrolmentFactory,
    CourseFactory,
    SessionFactory,
)
from arraigo.livelihoods.indicators import age_band_of, call_figures, call_indicators
from arraigo.livelihoods.models import (
    Application,
    Delivery,
    FollowUpVisit,
    PurchaseOrder,
)
from arraigo.livelihoods.tests.factories import (
    ApplicationFactory,
    ApprovedPlanFactory,
    AwardFactory,
    CallFactory,
)
from arraigo.people.models import PopulationType, Sex

pytestmark = pytest.mark.django_db

WOMAN_35 = {"sex": Sex.FEMALE, "birth_date": datetime.date(1990, 5, 17)}  # 35 on 1 April 2026
MAN_20 = {
    "sex": Sex.MALE,
    "birth_date": datetime.date(2005, 6, 1),
    "population_type": PopulationType.IDP,
    "returned_on": None,
}


def _fund(application, *, value, visits):
    """Approve, award and deliver *value*; record visits {months: (operating, employed)}."""
    plan = ApprovedPlanFactory(application=application)
    award = AwardFactory(plan=plan, first_delivered_on=datetime.date(2026, 7, 1))
    order = PurchaseOrder.objects.create(
        award=award,
        reference=f"OC-{application.pk.hex[-16:]}",
        supplier="Ferretería",
        issued_on=datetime.date(2026, 6, 30),
        issued_by=plan.created_by,
        total=Decimal(value),
    )
    Delivery.objects.create(
        award=award,
        purchase_order=order,
        delivered_on=datetime.date(2026, 7, 1),
        received_by="La persona",
        value=Decimal(value),
        recorded_by=plan.created_by,
    )
    for months, (operating, employed) in visits.items():
        FollowUpVisit.objects.create(
            award=award,
            months_after=months,
            due_on=datetime.date(2026, 7, 1) + datetime.timedelta(days=30 * months),
            status=FollowUpVisit.Status.DONE,
            visited_on=datetime.date(2026, 7, 1) + datetime.timedelta(days=30 * months),
            sold_last_month=operating,
            monthly_sales=Decimal("500"),
            monthly_costs=Decimal("300"),
            people_employed=employed,
            operating=operating,
        )
    return award


@pytest.fixture
def call(programme):
    """Six applicants: five women aged 35 (returnees) and a man aged 20 (displaced), plus one
    woman not eligible. Five selected and funded with 200.00 each; at 6 months four operate,
    at 12 months three."""
    call = CallFactory(programme=programme)
    women = [
        ApplicationFactory(
            call=call,
            participant__organisation=call.organisation,
            participant__sex=WOMAN_35["sex"],
            participant__birth_date=WOMAN_35["birth_date"],
            status=Application.Status.SELECTED,
            selected_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
        )
        for _ in range(4)
    ]
    man = ApplicationFactory(
        call=call,
        participant__organisation=call.organisation,
        **{f"participant__{k}": v for k, v in MAN_20.items()},
        status=Application.Status.SELECTED,
        selected_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
    )
    ApplicationFactory(
        call=call,
        participant__organisation=call.organisation,
        participant__sex=Sex.FEMALE,
        status=Application.Status.INELIGIBLE,
        is_eligible=False,
    )
    funded = [*women, man]
    outcomes = [
        {6: (True, 1), 12: (True, 2)},
        {6: (True, 0), 12: (True, 1)},
        {6: (True, 1), 12: (False, 0)},
        {6: (True, 0), 12: (True, 0)},
        {6: (False, 0)},
    ]
    for application, visits in zip(funded, outcomes, strict=True):
        _fund(application, value="200.00", visits=visits)
    return call


def _by_code(indicators):
    return {indicator.code: indicator for indicator in indicators}


def _breakdown(indicator, dimension):
    found = next(b for b in indicator.breakdowns if b.dimension == dimension)
    return {row.label: str(row.value) for row in found.rows}


def test_the_raw_figures_of_each_indicator(call):
    figures = call_figures(call=call)

    assert figures.applicants.total_people() == 6
    assert figures.eligible.total_people() == 5
    assert figures.selected.total_people() == 5
    assert figures.trained is None  # the call requires no course
    assert figures.plans_approved.total_people() == 5
    assert figures.businesses_funded.total_people() == 5
    assert figures.amount_delivered.total_amount() == Decimal("1000.00")
    assert figures.operating[6].total_people() == 4
    assert figures.visited[6].total_people() == 5
    assert figures.operating[12].total_people() == 3
    assert figures.visited[12].total_people() == 4
    # People employed at each business's latest visit: 2 + 1 + 0 + 0 + 0.
    assert figures.jobs_created.total_amount() == Decimal("3")


def test_indicators_are_disaggregated_by_the_four_dimensions(call):
    with translation.override("en"):
        indicators = _by_code(call_indicators(call=call, hide_small=False))

    applicants = indicators["applicants"]
    assert str(applicants.total) == "6"
    assert _breakdown(applicants, "sex") == {"Female": "5", "Male": "1"}
    assert _breakdown(applicants, "age_band") == {"18–24": "1", "35–44": "5"}
    assert _breakdown(applicants, "population_type") == {
        "Returnee": "5",
        "Internally displaced person": "1",
    }
    assert _breakdown(applicants, "municipality") == {"La Paz Este": "6"}
    assert _breakdown(indicators["businesses_funded"], "sex") == {"Female": "4", "Male": "1"}
    assert str(indicators["amount_delivered"].total) == "1,000.00 USD"
    assert _breakdown(indicators["amount_delivered"], "sex") == {
        "Female": "800.00 USD",
        "Male": "200.00 USD",
    }
    assert str(indicators["survival_6"].total) == "80.0 % (4/5)"
    assert _breakdown(indicators["survival_6"], "sex") == {
        "Female": "100.0 % (4/4)",
        "Male": "0.0 % (0/1)",
    }
    assert str(indicators["survival_12"].total) == "75.0 % (3/4)"
    assert str(indicators["jobs_created"].total) == "3"
    assert str(indicators["operating_12"].total) == "3"


def test_small_cells_are_hidden_for_those_who_may_not_see_names(call):
    with translation.override("en"):
        indicators = _by_code(call_indicators(call=call, hide_small=True))

    applicants = indicators["applicants"]
    assert str(applicants.total) == "6"
    assert _breakdown(applicants, "sex") == {"Female": "5", "Male": "<5"}
    assert _breakdown(applicants, "age_band") == {"18–24": "<5", "35–44": "5"}
    # Sums and rates over fewer than five people are hidden too.
    assert _breakdown(indicators["amount_delivered"], "sex") == {
        "Female": "<5",
        "Male": "<5",
    }
    assert str(indicators["amount_delivered"].total) == "1,000.00 USD"
    assert str(indicators["survival_12"].total) == "<5"  # 3 of 4
    assert str(indicators["jobs_created"].total) == "3"  # five businesses


def test_trained_counts_the_selected_who_completed_the_required_courses(call):
    course = CourseFactory(programme=call.programme)
    call.required_courses.add(course)
    session = SessionFactory(course=course)
    selected = list(call.applications.filter(selected_at__isnull=False)[:2])
    for application in selected:
        enrolment = CourseEnrolmentFactory(course=course, participant=application.participant)
        AttendanceFactory(session=session, enrolment=enrolment, present=True)

    figures = call_figures(call=call)
    indicators = _by_code(call_indicators(call=call, hide_small=False))

    assert figures.trained is not None
    assert figures.trained.total_people() == 2
    assert str(indicators["trained"].total) == "2"


def test_the_figures_are_counted_in_the_database_in_few_queries(
    call, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        call_figures(call=call)


def test_age_bands():
    on = datetime.date(2026, 4, 1)
    assert age_band_of(datetime.date(2008, 4, 2), on) == "UNDER_18"
    assert age_band_of(datetime.date(2008, 4, 1), on) == "18_24"
    assert age_band_of(datetime.date(2001, 4, 2), on) == "18_24"
    assert age_band_of(datetime.date(2001, 4, 1), on) == "25_34"
    assert age_band_of(datetime.date(1966, 4, 2), on) == "45_59"
    assert age_band_of(datetime.date(1966, 4, 1), on) == "60_PLUS"
