import datetime

import pytest

from arraigo.accounts.models import Role
from arraigo.core.models import AdministrativeDivision
from arraigo.core.templatetags.arraigo import age
from arraigo.referrals.models import Referral, Service
from arraigo.referrals.selectors import (
    case_referrals,
    providers_for_case,
    referral_consent_organisations,
    referral_counts,
    referrals_awaiting_answer,
    referred_person,
    search_providers,
)
from arraigo.referrals.tests.conftest import NOW, TODAY
from arraigo.referrals.tests.factories import (
    CaseFactory,
    ConsentFactory,
    ProviderFactory,
    ReferralFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def _referral(world, case=None, **fields):
    return ReferralFactory(
        case=case or world.case,
        provider=world.provider,
        service=ServiceFactory(provider=world.provider),
        consent=world.consent,
        **fields,
    )


def test_awaiting_answer_lists_open_referrals_of_my_cases_by_due_date(world):
    later = _referral(world, answer_due_on=datetime.date(2026, 4, 16))
    sooner = _referral(world, answer_due_on=datetime.date(2026, 4, 8))
    accepted = _referral(
        world,
        status=Referral.Status.ACCEPTED,
        responded_at=NOW,
        follow_up_on=datetime.date(2026, 4, 10),
    )
    _referral(
        world,
        status=Referral.Status.DECLINED,
        responded_at=NOW,
        decline_reason=Referral.DeclineReason.NO_CAPACITY,
    )
    _referral(world, status=Referral.Status.CANCELLED, cancelled_at=NOW)

    listed = list(referrals_awaiting_answer(user=world.caseworker, today=TODAY))

    assert listed == [sooner, accepted, later]
    assert [r.due_on for r in listed] == [
        datetime.date(2026, 4, 8),
        datetime.date(2026, 4, 10),
        datetime.date(2026, 4, 16),
    ]


def test_overdue_is_flagged_for_sent_and_accepted(world):
    late_answer = _referral(world, answer_due_on=datetime.date(2026, 4, 5))
    due_today = _referral(world, answer_due_on=TODAY)
    late_follow_up = _referral(
        world,
        status=Referral.Status.ACCEPTED,
        responded_at=NOW,
        answer_due_on=datetime.date(2026, 3, 1),
        follow_up_on=datetime.date(2026, 4, 1),
    )

    flags = {
        r.pk: r.is_overdue for r in referrals_awaiting_answer(user=world.caseworker, today=TODAY)
    }

    assert flags == {late_answer.pk: True, due_today.pk: False, late_follow_up.pk: True}


def test_caseworker_sees_only_referrals_of_cases_assigned_to_it(world, make_member):
    colleague = make_member(
        Role.CASEWORKER, organisation=world.organisation, programmes=[world.programme]
    )
    theirs = CaseFactory(
        organisation=world.organisation, programme=world.programme, assigned_to=colleague
    )
    mine = _referral(world)
    other = ReferralFactory(case=theirs, provider=world.provider, service=world.service)

    assert list(referrals_awaiting_answer(user=world.caseworker, today=TODAY)) == [mine]
    assert list(referrals_awaiting_answer(user=colleague, today=TODAY)) == [other]


def test_manager_sees_open_referrals_of_every_case_of_its_programmes(world, make_member):
    manager = make_member(
        Role.MANAGER, organisation=world.organisation, programmes=[world.programme]
    )
    unassigned = CaseFactory(organisation=world.organisation, programme=world.programme)
    elsewhere = CaseFactory(organisation=world.organisation)  # a programme it is not in
    first = _referral(world)
    second = ReferralFactory(case=unassigned, provider=world.provider, service=world.service)
    ReferralFactory(case=elsewhere, provider=world.provider, service=world.service)

    assert set(referrals_awaiting_answer(user=manager, today=TODAY)) == {first, second}


def test_partner_awaits_only_its_own(world, make_member, other_organisation):
    mine = _referral(world)
    ReferralFactory()  # to another provider
    assert list(referrals_awaiting_answer(user=world.partner, today=TODAY)) == [mine]


def test_case_referrals_lists_every_status_newest_first(world, other_organisation, make_member):
    old = _referral(
        world,
        sent_at=datetime.datetime(2026, 3, 20, tzinfo=datetime.UTC),
        status=Referral.Status.CANCELLED,
        cancelled_at=datetime.datetime(2026, 3, 21, tzinfo=datetime.UTC),
    )
    new = _referral(world)
    _referral(world, case=CaseFactory(organisation=world.organisation, programme=world.programme))
    outsider = make_member(Role.ADMIN, organisation=other_organisation)

    assert list(case_referrals(user=world.caseworker, case=world.case, today=TODAY)) == [new, old]
    assert not case_referrals(user=outsider, case=world.case).exists()


def test_referral_counts_by_status_for_a_programme(world):
    _referral(world)
    _referral(world)
    _referral(
        world,
        status=Referral.Status.DECLINED,
        responded_at=NOW,
        decline_reason=Referral.DeclineReason.NO_CAPACITY,
    )
    ReferralFactory()  # another programme

    counts = referral_counts(programme=world.programme)

    assert counts["SENT"] == 2
    assert counts["DECLINED"] == 1
    assert counts["COMPLETED"] == 0
    assert set(counts) == set(Referral.Status.values)


def test_providers_covering_the_participant_come_first(world):
    far = (
        AdministrativeDivision.objects.filter(level="MUNICIPALITY", country="SV")
        .exclude(pk=world.case.participant.municipality_id)
        .first()
    )
    a_far = ProviderFactory(owner=world.organisation, name="Albergue", municipalities=[far])
    ServiceFactory(provider=a_far)
    inactive = ProviderFactory(owner=world.organisation, name="Antiguo", is_active=False)
    ServiceFactory(provider=inactive)
    without_services = ProviderFactory(owner=world.organisation, name="Vacío")
    ServiceFactory(provider=without_services, is_active=False)
    ServiceFactory(provider=ProviderFactory(name="Ajeno"))  # another directory

    providers = list(providers_for_case(user=world.caseworker, case=world.case))

    assert providers == [world.provider, a_far]
    assert [p.covers_participant for p in providers] == [True, False]


def test_consented_organisations(world, other_organisation):
    ConsentFactory(
        participant=world.case.participant,
        organisations=[other_organisation],
        withdrawn_on=datetime.date(2026, 4, 1),
    )

    assert referral_consent_organisations(participant=world.case.participant, on=TODAY) == {
        world.partner_organisation.pk
    }


def test_search_providers_by_name_service_category_and_municipality(world):
    other = ProviderFactory(owner=world.organisation, name="Bufete Popular", kind="NGO")
    ServiceFactory(provider=other, name="Asesoría legal", category=Service.Category.LEGAL)
    municipality = world.case.participant.municipality

    def names(**criteria):
        return {p.name for p in search_providers(user=world.caseworker, **criteria)}

    assert names() == {"UCSF Zacatecoluca", "Bufete Popular"}
    assert names(name="bufete") == {"Bufete Popular"}
    assert names(name="asesoría") == {"Bufete Popular"}
    assert names(category=Service.Category.PSYCHOLOGICAL) == {"UCSF Zacatecoluca"}
    assert names(municipality=municipality) == {"UCSF Zacatecoluca"}
    assert names(name="bufete", category=Service.Category.PSYCHOLOGICAL) == set()


def test_referred_person_is_reduced_to_what_a_provider_needs(world):
    referral = _referral(world)
    participant = world.case.participant

    person = referred_person(referral)

    assert person.full_name == participant.full_name
    assert person.age == age(participant.birth_date) > 30
    assert person.sex == "Female"
    assert person.municipality == participant.municipality.name
    assert not hasattr(person, "address")
