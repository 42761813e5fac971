"""The API token page: who may have a token, creating, regenerating, revoking, and the audit."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from arraigo.accounts.models import Role
from arraigo.api import services
from arraigo.api.tests.conftest import NO_API_ROLES, STAFF_ROLES, client_for
from arraigo.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGE = reverse("api:token")


def bearer(key: str):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize("role", [*STAFF_ROLES, Role.PARTNER])
def test_api_roles_have_the_token_page(role, own, member_of, client):
    client.force_login(member_of(role, own))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "You have no API token." in response.content.decode()


@pytest.mark.parametrize("role", NO_API_ROLES)
def test_other_roles_have_no_token_page(role, own, member_of, client):
    client.force_login(member_of(role, own))

    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"action": "issue"}).status_code == 404
    assert not Token.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_token_is_shown_once_works_and_is_audited(own, client):
    client.force_login(own.caseworker)

    created = client.post(PAGE, {"action": "issue"})
    later = client.get(PAGE)

    key = Token.objects.get(user=own.caseworker).key
    assert key in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert key not in later.content.decode()
    assert "You have a token" in later.content.decode()
    assert bearer(key).get("/api/participants/").status_code == 200
    event = AuditEvent.objects.get(action="api_token.created")
    assert (event.kind, event.actor, event.target_id) == (
        AuditEvent.Kind.ACCESS,
        own.caseworker,
        str(own.caseworker.pk),
    )
    assert key not in str(event.changes)


def test_regenerating_replaces_the_old_token(own, client):
    client.force_login(own.caseworker)
    client.post(PAGE, {"action": "issue"})
    old = Token.objects.get(user=own.caseworker).key

    client.post(PAGE, {"action": "issue"})

    new = Token.objects.get(user=own.caseworker).key
    assert new != old
    assert bearer(old).get("/api/participants/").status_code == 401
    assert bearer(new).get("/api/participants/").status_code == 200
    assert AuditEvent.objects.filter(action="api_token.regenerated").count() == 1


def test_revoking_stops_the_token_and_is_audited(own, client):
    client.force_login(own.caseworker)
    client.post(PAGE, {"action": "issue"})
    key = Token.objects.get(user=own.caseworker).key

    response = client.post(PAGE, {"action": "revoke"})

    assert response.status_code == 302
    assert not Token.objects.filter(user=own.caseworker).exists()
    assert bearer(key).get("/api/participants/").status_code == 401
    assert AuditEvent.objects.filter(
        action="api_token.revoked", kind=AuditEvent.Kind.ACCESS, actor=own.caseworker
    ).exists()


def test_revoking_without_a_token_says_so(own, client):
    client.force_login(own.caseworker)

    response = client.post(PAGE, {"action": "revoke"}, follow=True)

    assert "You have no API token to revoke." in response.content.decode()
    assert not AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_the_page_posts_need_the_csrf_token(own):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(own.caseworker)

    assert strict.post(PAGE, {"action": "issue"}).status_code == 403
    assert not Token.objects.exists()


def test_the_service_refuses_a_role_without_the_api(own, member_of):
    viewer = member_of(Role.VIEWER, own)

    with pytest.raises(services.ApiNotForRole):
        services.api_token_issue(user=viewer, by=viewer, at=own.case.created_at)
    assert not Token.objects.exists()


@pytest.mark.parametrize("role", NO_API_ROLES)
def test_a_token_left_from_an_earlier_role_opens_nothing(role, own, member_of):
    user = member_of(role, own)
    key = Token.objects.create(user=user).key

    assert bearer(key).get("/api/programmes/").status_code == 404
