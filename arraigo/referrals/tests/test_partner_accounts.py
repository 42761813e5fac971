"""An ADMIN gives the staff of a provider in its directory accounts to answer referrals."""

import pytest
from django.urls import reverse

from arraigo.accounts.models import Membership, Role
from arraigo.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def new_account(provider):
    return reverse("directory:partner_account_new", args=[provider.pk])


def test_an_admin_creates_a_partner_account_for_the_provider(client, world, make_member):
    admin = make_member(Role.ADMIN, organisation=world.organisation)
    client.force_login(admin)
    response = client.post(
        new_account(world.provider),
        {
            "full_name": "Marta Ayala",
            "email": "marta@ucsf.example.org",
            "password": "largo-y-seguro-2026",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="marta@ucsf.example.org")
    assert (membership.organisation, membership.role) == (world.partner_organisation, Role.PARTNER)
    assert AuditEvent.objects.filter(action="membership.created", actor=admin).exists()
    page = client.get(reverse("directory:detail", args=[world.provider.pk]))
    assert "Marta Ayala" in page.content.decode()


def test_a_weak_password_is_refused_at_the_field(client, world, make_member):
    client.force_login(make_member(Role.ADMIN, organisation=world.organisation))
    response = client.post(
        new_account(world.provider),
        {
            "full_name": "Marta Ayala",
            "email": "marta@ucsf.example.org",
            "password": "123",
        },
    )
    assert response.status_code == 200
    assert 'id="id_password_error1"' in response.content.decode()
    assert not Membership.objects.filter(user__email="marta@ucsf.example.org").exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER])
def test_only_an_admin_manages_partner_accounts(client, world, make_member, role):
    client.force_login(
        make_member(role, organisation=world.organisation, programmes=[world.programme])
    )
    assert client.get(new_account(world.provider)).status_code == 403
    page = client.get(reverse("directory:detail", args=[world.provider.pk]))
    assert "Staff who answer referrals" not in page.content.decode()


def test_another_organisation_s_admin_gets_404(client, world, make_member, other_organisation):
    client.force_login(make_member(Role.ADMIN, organisation=other_organisation))
    assert client.get(new_account(world.provider)).status_code == 404


def test_deactivating_a_partner_account(client, world, make_member):
    client.force_login(make_member(Role.ADMIN, organisation=world.organisation))
    member = world.partner.membership
    url = reverse("directory:partner_account_set_active", args=[world.provider.pk, member.pk])
    client.post(url, {"active": "0"})
    world.partner.refresh_from_db()
    assert world.partner.is_active is False


def test_an_account_of_another_organisation_cannot_be_reached_through_the_provider(
    client, world, make_member, other_organisation
):
    client.force_login(make_member(Role.ADMIN, organisation=world.organisation))
    stranger = make_member(Role.PARTNER, organisation=other_organisation).membership
    url = reverse("directory:partner_account_set_active", args=[world.provider.pk, stranger.pk])
    assert client.post(url, {"active": "0"}).status_code == 404
    stranger.user.refresh_from_db()
    assert stranger.user.is_active
