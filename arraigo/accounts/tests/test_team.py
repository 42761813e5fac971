"""An ADMIN manages its organisation's team; nobody else does."""

import pytest
from django.urls import reverse

from arraigo.accounts.models import Membership, Role
from arraigo.core.models import AuditEvent
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_member, organisation):
    return make_member(Role.ADMIN, organisation=organisation)


def new_member(programme, **overrides):
    data = {
        "full_name": "Karla Mejía",
        "email": "KARLA@example.org",
        "role": "CASEWORKER",
        "programmes": [str(programme.pk)],
        "password": "una-clave-larga-2026",
    }
    data.update(overrides)
    return data


def test_an_admin_creates_an_account_in_its_organisation(client, admin, programme):
    client.force_login(admin)
    response = client.post(reverse("accounts:member_new"), new_member(programme))
    assert response["Location"] == reverse("accounts:team")
    membership = Membership.objects.get(user__email="karla@example.org")
    assert membership.organisation == admin.membership.organisation
    assert [a.programme for a in membership.assignments.all()] == [programme]
    assert {"membership.created", "membership.programmes_changed"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_an_e_mail_already_in_use_is_refused_at_the_field(client, admin, programme):
    client.force_login(admin)
    client.post(reverse("accounts:member_new"), new_member(programme))
    response = client.post(
        reverse("accounts:member_new"), new_member(programme, email="karla@EXAMPLE.org")
    )
    assert "already signs in with this e-mail" in response.content.decode()
    assert Membership.objects.filter(user__email__iexact="karla@example.org").count() == 1


def test_programmes_of_another_organisation_cannot_be_assigned(client, admin, other_organisation):
    client.force_login(admin)
    foreign = ProgrammeFactory(organisation=other_organisation)
    response = client.post(reverse("accounts:member_new"), new_member(foreign))
    assert response.status_code == 200
    assert not Membership.objects.filter(user__email="karla@example.org").exists()


def test_an_admin_cannot_demote_or_deactivate_itself(client, admin, programme):
    client.force_login(admin)
    own = admin.membership
    response = client.post(
        reverse("accounts:member_edit", args=[own.pk]),
        {"full_name": admin.full_name, "email": admin.email, "role": "CASEWORKER"},
    )
    assert "cannot remove your own administrator role" in response.content.decode()
    client.post(reverse("accounts:member_set_active", args=[own.pk]), {"active": "0"})
    admin.refresh_from_db()
    own.refresh_from_db()
    assert (own.role, admin.is_active) == (Role.ADMIN, True)


def test_a_deactivated_member_can_no_longer_sign_in(client, admin, make_member, organisation):
    member = make_member(Role.CASEWORKER, organisation=organisation)
    client.force_login(admin)
    client.post(reverse("accounts:member_set_active", args=[member.membership.pk]), {"active": "0"})
    client.logout()
    client.post(reverse("account_login"), {"login": member.email, "password": "arraigo-test"})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.PARTNER, Role.VIEWER])
def test_only_admins_manage_the_team(client, make_member, organisation, role):
    client.force_login(make_member(role, organisation=organisation))
    assert client.get(reverse("accounts:team")).status_code == 404
    assert client.get(reverse("accounts:member_new")).status_code == 404


def test_another_organisation_s_member_answers_404(client, admin, make_member, other_organisation):
    stranger = make_member(Role.CASEWORKER, organisation=other_organisation)
    client.force_login(admin)
    assert (
        client.get(reverse("accounts:member_edit", args=[stranger.membership.pk])).status_code
        == 404
    )
