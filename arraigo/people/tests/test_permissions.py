"""Who sees which participants: role × own/other organisation × programme."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from arraigo.accounts.models import Role
from arraigo.people.permissions import access_participant, visible_participants
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

SEES_PEOPLE = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL]
SEES_NO_NAMES = [Role.EVALUATOR, Role.MONITORING, Role.PARTNER, Role.VIEWER]


@pytest.fixture
def enrolled(organisation, programme):
    participant = ParticipantFactory(organisation=organisation)
    EnrolmentFactory(participant=participant, programme=programme)
    return participant


@pytest.mark.parametrize("role", SEES_PEOPLE)
def test_staff_see_people_of_their_programmes(role, make_member, organisation, programme, enrolled):
    user = make_member(role, organisation=organisation, programmes=[programme])
    assert access_participant(user=user, pk=enrolled.pk) == enrolled
    assert access_participant(user=user, pk=enrolled.pk, action="change") == enrolled


@pytest.mark.parametrize("role", SEES_NO_NAMES)
def test_other_roles_see_nobody(role, make_member, organisation, programme, enrolled):
    user = make_member(role, organisation=organisation, programmes=[programme])
    assert not visible_participants(user).exists()
    with pytest.raises(Http404):
        access_participant(user=user, pk=enrolled.pk)


@pytest.mark.parametrize("role", SEES_PEOPLE)
def test_another_organisation_answers_404(role, make_member, other_organisation, enrolled):
    other_programme = ProgrammeFactory(organisation=other_organisation)
    user = make_member(role, organisation=other_organisation, programmes=[other_programme])
    with pytest.raises(Http404):
        access_participant(user=user, pk=enrolled.pk)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL])
def test_a_programme_the_user_is_not_in_answers_404(role, make_member, organisation, enrolled):
    elsewhere = ProgrammeFactory(organisation=organisation)
    user = make_member(role, organisation=organisation, programmes=[elsewhere])
    with pytest.raises(Http404):
        access_participant(user=user, pk=enrolled.pk)


def test_an_admin_sees_every_programme_of_its_organisation(make_member, organisation, enrolled):
    admin = make_member(Role.ADMIN, organisation=organisation)
    assert access_participant(user=admin, pk=enrolled.pk) == enrolled


def test_deactivated_users_see_nobody(make_member, organisation, programme, enrolled):
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    user.is_active = False
    user.save()
    with pytest.raises(Http404):
        access_participant(user=user, pk=enrolled.pk)


def test_change_needs_a_registering_role(
    make_member, organisation, programme, enrolled, monkeypatch
):
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    monkeypatch.setattr("arraigo.people.permissions.can_register_participants", lambda user: False)
    with pytest.raises(PermissionDenied):
        access_participant(user=user, pk=enrolled.pk, action="change")
