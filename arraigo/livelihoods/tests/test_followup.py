"""Follow-up: visits scheduled from the first delivery by the programme's months, whether a
business operates by the programme's definition, and the visits due on "My work"."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from arraigo.accounts.models import Role
from arraigo.cases.tests.factories import CaseFactory
from arraigo.livelihoods import selectors, services
from arraigo.livelihoods.models import FollowUpSettings, FollowUpVisit
from arraigo.livelihoods.services import VisitFindings
from arraigo.livelihoods.tests.conftest import NOW, TODAY
from arraigo.livelihoods.tests.factories import ApprovedPlanFactory, AwardFactory
from arraigo.referrals.models import Referral
from arraigo.referrals.tests.factories import ConsentFactory, ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(programme):
    return AwardFactory(plan=ApprovedPlanFactory(application__call__programme=programme))


def _first_delivery(award, by, on=datetime.date(2026, 1, 31)):
    award.first_delivered_on = on
    award.save()
    return services.visits_schedule(award=award, by=by, at=NOW)


def _findings(**changes):
    values = {
        "visited_on": TODAY,
        "sold_last_month": True,
        "monthly_sales": Decimal("600"),
        "monthly_costs": Decimal("350"),
        "people_employed": 2,
        "problems": "Subió el precio de la harina.",
    }
    values.update(changes)
    return VisitFindings(**values)


def test_visits_at_3_6_and_12_months_by_default_on_the_months_last_day(award, manager):
    visits = _first_delivery(award, manager)

    assert [(v.months_after, v.due_on) for v in visits] == [
        (3, datetime.date(2026, 4, 30)),  # 31 January + 3 months: April has 30 days
        (6, datetime.date(2026, 7, 31)),
        (12, datetime.date(2027, 1, 31)),
    ]
    assert all(v.status == FollowUpVisit.Status.SCHEDULED for v in visits)


def test_the_programme_sets_its_own_schedule(award, programme, manager):
    services.follow_up_settings_save(
        programme=programme,
        visit_months=[1, 2, 2, 18],
        needs_recent_sale=True,
        needs_profit=True,
        min_monthly_sales=Decimal("0"),
        by=manager,
        at=NOW,
    )

    visits = _first_delivery(award, manager)

    assert [v.months_after for v in visits] == [1, 2, 18]
    assert FollowUpSettings.objects.get(programme=programme).visit_months == [1, 2, 18]


@pytest.mark.parametrize(
    ("months", "minimum", "field"),
    [
        ([], "0", "visit_months"),
        ([0, 3], "0", "visit_months"),
        ([61], "0", "visit_months"),
        ([3], "-1", "min_monthly_sales"),
    ],
)
def test_settings_that_do_not_hold_are_refused(programme, manager, months, minimum, field):
    with pytest.raises(services.SettingsInvalid) as refused:
        services.follow_up_settings_save(
            programme=programme,
            visit_months=months,
            needs_recent_sale=True,
            needs_profit=True,
            min_monthly_sales=Decimal(minimum),
            by=manager,
            at=NOW,
        )
    assert refused.value.field == field
    assert not FollowUpSettings.objects.exists()


def test_the_default_definition_needs_a_sale_last_month_and_income_above_costs(programme):
    settings = services.settings_of(programme)
    rule = services.operating_rule(settings)

    assert settings._state.adding  # the defaults are shown, not saved
    assert services.is_operating(
        rule, sold_last_month=True, sales=Decimal("600"), costs=Decimal("350")
    )
    assert not services.is_operating(
        rule, sold_last_month=False, sales=Decimal("600"), costs=Decimal("350")
    )
    assert not services.is_operating(
        rule, sold_last_month=True, sales=Decimal("350"), costs=Decimal("350")
    )


def test_a_programme_may_define_operating_differently():
    rule = {"needs_recent_sale": False, "needs_profit": False, "min_monthly_sales": "100"}

    assert services.is_operating(
        rule, sold_last_month=False, sales=Decimal("100"), costs=Decimal("500")
    )
    assert not services.is_operating(
        rule, sold_last_month=True, sales=Decimal("99.99"), costs=Decimal("0")
    )


def test_a_visit_records_whether_the_business_operates_and_the_definition_used(
    award, programme, manager, caseworker
):
    visit = _first_delivery(award, manager)[0]

    services.visit_record(visit=visit, findings=_findings(), referral=None, by=caseworker, at=NOW)

    visit.refresh_from_db()
    assert visit.status == FollowUpVisit.Status.DONE
    assert visit.operating is True
    assert visit.operating_rule == {
        "needs_recent_sale": True,
        "needs_profit": True,
        "min_monthly_sales": "0",
    }
    assert visit.visited_by == caseworker
    assert visit.people_employed == 2

    with pytest.raises(services.VisitAlreadyRecorded):
        services.visit_record(
            visit=visit, findings=_findings(), referral=None, by=caseworker, at=NOW
        )


def test_a_business_selling_below_its_costs_is_not_operating(award, manager, caseworker):
    visit = _first_delivery(award, manager)[0]

    services.visit_record(
        visit=visit,
        findings=_findings(monthly_sales=Decimal("100"), monthly_costs=Decimal("250")),
        referral=None,
        by=caseworker,
        at=NOW,
    )

    visit.refresh_from_db()
    assert visit.operating is False


def test_visit_findings_are_checked(award, manager, caseworker):
    visit = _first_delivery(award, manager)[0]

    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            visit=visit,
            findings=_findings(visited_on=datetime.date(2026, 1, 1), monthly_sales=Decimal("-1")),
            referral=None,
            by=caseworker,
            at=NOW,
        )
    assert set(refused.value.message_dict) == {"visited_on", "monthly_sales"}
    visit.refresh_from_db()
    assert visit.status == FollowUpVisit.Status.SCHEDULED


def test_a_visit_can_refer_the_person_further_through_its_case(
    award, manager, caseworker, organisation, other_organisation
):
    participant = award.plan.application.participant
    CaseFactory(participant=participant, programme=award.plan.application.call.programme)
    provider = ProviderFactory(owner=organisation, organisation=other_organisation)
    service = ServiceFactory(provider=provider)
    ConsentFactory(participant=participant, organisations=[other_organisation])
    visit = _first_delivery(award, manager)[0]

    services.visit_record(
        visit=visit,
        findings=_findings(),
        referral=services.ReferralRequest(provider=provider, service=service, reason="Estrés"),
        by=caseworker,
        at=NOW,
    )

    assert list(visit.referrals.all()) == list(Referral.objects.all())
    assert Referral.objects.get().reason == "Estrés"


def test_a_visit_whose_referral_is_refused_is_not_recorded(
    award, manager, caseworker, organisation
):
    provider = ProviderFactory(owner=organisation)
    service = ServiceFactory(provider=provider)
    visit = _first_delivery(award, manager)[0]

    with pytest.raises(services.NoCaseForReferral):
        services.visit_record(
            visit=visit,
            findings=_findings(),
            referral=services.ReferralRequest(provider=provider, service=service, reason="x"),
            by=caseworker,
            at=NOW,
        )
    visit.refresh_from_db()
    assert visit.status == FollowUpVisit.Status.SCHEDULED


def test_a_visit_that_could_not_be_done_needs_a_note(award, manager, caseworker):
    visit = _first_delivery(award, manager)[0]
    with pytest.raises(ValidationError):
        services.visit_mark_missed(visit=visit, notes=" ", by=caseworker, at=NOW)
    services.visit_mark_missed(visit=visit, notes="Se mudó a Usulután", by=caseworker, at=NOW)
    visit.refresh_from_db()
    assert visit.status == FollowUpVisit.Status.MISSED


# --- Due on "My work" ---------------------------------------------------------------------------


def test_visits_due_are_those_of_my_cases_within_two_weeks(
    award, programme, manager, caseworker, make_member, organisation
):
    participant = award.plan.application.participant
    CaseFactory(participant=participant, programme=programme, assigned_to=caseworker)
    colleague = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    visits = _first_delivery(award, manager, on=TODAY - datetime.timedelta(days=95))  # 3 months
    other = AwardFactory(plan=ApprovedPlanFactory(application__call=award.plan.application.call))
    _first_delivery(other, manager, on=TODAY - datetime.timedelta(days=95))

    mine = list(selectors.visits_due(user=caseworker, today=TODAY))
    everyone = list(selectors.visits_due(user=manager, today=TODAY))

    assert mine == [visits[0]]  # the 3-month visit; 6 and 12 are further away
    assert len(everyone) == 2
    assert list(selectors.visits_due(user=colleague, today=TODAY)) == []
    services.visit_record(
        visit=visits[0], findings=_findings(), referral=None, by=caseworker, at=NOW
    )
    assert list(selectors.visits_due(user=caseworker, today=TODAY)) == []


def test_visits_far_ahead_are_not_due_yet(award, programme, manager, caseworker):
    CaseFactory(
        participant=award.plan.application.participant, programme=programme, assigned_to=caseworker
    )
    _first_delivery(award, manager, on=TODAY)

    assert not selectors.visits_due(user=caseworker, today=TODAY).exists()
    assert selectors.visits_due(user=caseworker, today=TODAY + datetime.timedelta(days=85)).exists()


def test_add_months_clamps_to_the_end_of_the_month():
    assert services.add_months(datetime.date(2024, 11, 30), 3) == datetime.date(2025, 2, 28)
    assert services.add_months(datetime.date(2023, 11, 29), 3) == datetime.date(2024, 2, 29)
    assert services.add_months(datetime.date(2026, 10, 15), 14) == datetime.date(2027, 12, 15)
