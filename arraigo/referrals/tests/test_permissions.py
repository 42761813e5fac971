import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from arraigo.accounts.models import Role
from arraigo.people.models import Consent
from arraigo.referrals.models import Referral
from arraigo.referrals.permissions import (
    access_provider,
    access_referral,
    access_service,
    referral_actions,
    visible_providers,
    visible_referrals,
)
from arraigo.referrals.tests.factories import ProviderFactory, ReferralFactory

pytestmark = pytest.mark.django_db

STAFF = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL]
NO_REFERRALS = [Role.EVALUATOR, Role.MONITORING, Role.VIEWER]
OK, DENIED, HIDDEN = "ok", "denied", "404"


@pytest.fixture
def referral(world):
    return ReferralFactory(
        case=world.case, provider=world.provider, service=world.service, consent=world.consent
    )


def outcome(user, referral, action):
    try:
        access_referral(user=user, pk=referral.pk, action=action)
    except Http404:
        return HIDDEN
    except PermissionDenied:
        return DENIED
    return OK


EXPECTED = {
    # role: {action: outcome} for a member of the referring organisation, in the programme
    **{role: {"view": OK, "answer": DENIED, "complete": DENIED, "cancel": OK} for role in STAFF},
    **{
        role: dict.fromkeys(("view", "answer", "complete", "cancel"), HIDDEN)
        for role in NO_REFERRALS
    },
}


@pytest.mark.parametrize("role", STAFF + NO_REFERRALS)
@pytest.mark.parametrize("action", ["view", "answer", "complete", "cancel"])
def test_referring_organisation_matrix(world, referral, make_member, role, action):
    user = make_member(role, organisation=world.organisation, programmes=[world.programme])

    assert outcome(user, referral, action) == EXPECTED[role][action]


@pytest.mark.parametrize("action", ["view", "answer", "complete", "cancel"])
def test_partner_of_the_provider_matrix(world, referral, action):
    expected = {"view": OK, "answer": OK, "complete": OK, "cancel": DENIED}[action]

    assert outcome(world.partner, referral, action) == expected


@pytest.mark.parametrize("role", [*STAFF, Role.PARTNER, *NO_REFERRALS])
@pytest.mark.parametrize("action", ["view", "answer", "complete", "cancel"])
def test_another_organisation_sees_nothing(referral, make_member, other_organisation, role, action):
    user = make_member(role, organisation=other_organisation)

    assert outcome(user, referral, action) == HIDDEN


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL])
def test_staff_outside_the_programme_see_nothing(world, referral, make_member, role):
    user = make_member(role, organisation=world.organisation)

    assert outcome(user, referral, "view") == HIDDEN


def test_admin_sees_every_programme_of_its_organisation(world, referral, make_member):
    admin = make_member(Role.ADMIN, organisation=world.organisation)

    assert outcome(admin, referral, "view") == OK


def test_partner_sees_only_referrals_addressed_to_its_organisation(world, referral):
    ReferralFactory()  # another organisation's case, another provider
    ReferralFactory(case__organisation=world.organisation, case__programme=world.programme)

    assert list(visible_referrals(world.partner)) == [referral]


def test_partner_sees_referrals_from_every_organisation_that_lists_it(
    world, referral, other_organisation
):
    theirs = ProviderFactory(owner=other_organisation, organisation=world.partner_organisation)
    from_elsewhere = ReferralFactory(case__organisation=other_organisation, provider=theirs)

    assert set(visible_referrals(world.partner)) == {referral, from_elsewhere}


def test_partner_loses_sight_when_the_consent_is_withdrawn(world, referral):
    Consent.objects.filter(pk=world.consent.pk).update(withdrawn_on=datetime.date(2026, 4, 1))

    assert outcome(world.partner, referral, "view") == HIDDEN
    assert visible_referrals(world.caseworker).filter(pk=referral.pk).exists()


def test_deactivated_partner_sees_nothing(world, referral):
    world.partner.is_active = False
    world.partner.save()

    assert not visible_referrals(world.partner).exists()


def test_missing_or_malformed_referral_is_404(world):
    with pytest.raises(Http404):
        access_referral(user=world.caseworker, pk="not-a-uuid")
    with pytest.raises(Http404):
        access_referral(user=world.caseworker, pk="0190a9a0-0000-7000-8000-000000000000")


@pytest.mark.parametrize(
    ("status", "partner_actions", "staff_actions"),
    [
        (Referral.Status.SENT, {"answer"}, {"cancel"}),
        (Referral.Status.ACCEPTED, {"complete"}, {"cancel"}),
        (Referral.Status.DECLINED, set(), set()),
        (Referral.Status.COMPLETED, set(), set()),
        (Referral.Status.CANCELLED, set(), set()),
    ],
)
def test_actions_offered_depend_on_status(world, referral, status, partner_actions, staff_actions):
    referral.status = status

    assert referral_actions(world.partner, referral) == partner_actions
    assert referral_actions(world.caseworker, referral) == staff_actions


# --- Directory ---------------------------------------------------------------------------------


def provider_outcome(user, provider, action):
    try:
        access_provider(user=user, pk=provider.pk, action=action)
    except Http404:
        return HIDDEN
    except PermissionDenied:
        return DENIED
    return OK


@pytest.mark.parametrize(
    ("role", "view", "change"),
    [
        (Role.ADMIN, OK, OK),
        (Role.MANAGER, OK, OK),
        (Role.CASEWORKER, OK, DENIED),
        (Role.PSYCHOSOCIAL, OK, DENIED),
        (Role.EVALUATOR, HIDDEN, HIDDEN),
        (Role.MONITORING, HIDDEN, HIDDEN),
        (Role.VIEWER, HIDDEN, HIDDEN),
        (Role.PARTNER, HIDDEN, HIDDEN),
    ],
)
def test_directory_of_own_organisation_matrix(world, make_member, role, view, change):
    user = make_member(role, organisation=world.organisation)

    assert provider_outcome(user, world.provider, "view") == view
    assert provider_outcome(user, world.provider, "change") == change


@pytest.mark.parametrize("role", [*STAFF, Role.PARTNER])
def test_another_organisations_directory_is_hidden(world, make_member, other_organisation, role):
    user = make_member(role, organisation=other_organisation)

    assert provider_outcome(user, world.provider, "view") == HIDDEN
    assert provider_outcome(user, world.provider, "change") == HIDDEN
    with pytest.raises(Http404):
        access_service(user=user, pk=world.service.pk)


def test_the_provider_itself_does_not_see_the_directory_entry(world):
    assert not visible_providers(world.partner).exists()


def test_service_change_follows_the_provider(world, make_member):
    caseworker = make_member(Role.CASEWORKER, organisation=world.organisation)
    manager = make_member(Role.MANAGER, organisation=world.organisation)

    assert access_service(user=caseworker, pk=world.service.pk) == world.service
    with pytest.raises(PermissionDenied):
        access_service(user=caseworker, pk=world.service.pk, action="change")
    assert access_service(user=manager, pk=world.service.pk, action="change") == world.service
