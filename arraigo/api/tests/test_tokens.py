"""API tokens: who may have one, creating, regenerating, revoking, the audit, how they are
stored (a hash, never the key), when they expire and when they were last used."""

import datetime
import hashlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from arraigo.accounts.models import Membership, Role
from arraigo.api import services
from arraigo.api.models import ApiToken
from arraigo.api.tests.conftest import NO_API_ROLES, STAFF_ROLES, client_for
from arraigo.api.tests.factories import issue_api_key
from arraigo.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGE = reverse("api:token")
EXPIRED = "This API token has expired. Create a new one on your API token page."


def bearer(key: str):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def key_shown(response) -> str:
    """The key in the page that answered the POST creating it."""
    match = re.search(r'id="api-key"[^>]* value="([^"]+)"', response.content.decode())
    assert match, "the page shows no key"
    return match.group(1)


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
    assert not ApiToken.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_token_is_shown_once_works_and_is_audited(own, client):
    client.force_login(own.caseworker)

    created = client.post(PAGE, {"action": "issue"})
    later = client.get(PAGE)

    key = key_shown(created)
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
    assert ApiToken.objects.get(user=own.caseworker).digest not in str(event.changes)


def test_regenerating_replaces_the_old_token(own, client):
    client.force_login(own.caseworker)
    old = key_shown(client.post(PAGE, {"action": "issue"}))

    new = key_shown(client.post(PAGE, {"action": "issue"}))

    assert new != old
    assert ApiToken.objects.filter(user=own.caseworker).count() == 1
    assert bearer(old).get("/api/participants/").status_code == 401
    assert bearer(new).get("/api/participants/").status_code == 200
    assert AuditEvent.objects.filter(action="api_token.regenerated").count() == 1


def test_revoking_stops_the_token_and_is_audited(own, client):
    client.force_login(own.caseworker)
    key = key_shown(client.post(PAGE, {"action": "issue"}))

    response = client.post(PAGE, {"action": "revoke"})

    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=own.caseworker).exists()
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
    assert not ApiToken.objects.exists()


def test_the_service_refuses_a_role_without_the_api(own, member_of):
    viewer = member_of(Role.VIEWER, own)

    with pytest.raises(services.ApiNotForRole):
        services.api_token_issue(user=viewer, by=viewer, at=own.case.created_at)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", NO_API_ROLES)
def test_a_token_left_from_an_earlier_role_opens_nothing(role, own, member_of):
    user = member_of(Role.CASEWORKER, own)
    key = issue_api_key(user)
    Membership.objects.filter(user=user).update(role=role)

    assert bearer(key).get("/api/programmes/").status_code == 404


# --- Storage, expiry and use --------------------------------------------------------------------


def test_the_key_is_nowhere_in_the_database(own):
    key = issue_api_key(own.caseworker)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        (row,) = cursor.fetchall()
    token = ApiToken.objects.get(user=own.caseworker)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert [str(value) for value in row if key in str(value)] == []
    for event in AuditEvent.objects.all():
        assert key not in f"{event.target_id} {event.changes}"
    assert bearer(key).get("/api/programmes/").status_code == 200
    assert bearer(token.digest).get("/api/programmes/").status_code == 401


def test_a_token_expires_after_the_configured_days(own, settings):
    settings.ARRAIGO_API_TOKEN_DAYS = 7
    at = timezone.now()

    issued = services.api_token_issue(user=own.caseworker, by=own.caseworker, at=at)

    assert issued.token.expires_at == at + datetime.timedelta(days=7)


def test_an_expired_token_answers_401_and_says_to_create_a_new_one(own, settings):
    days = settings.ARRAIGO_API_TOKEN_DAYS
    still_valid = issue_api_key(
        own.caseworker, at=timezone.now() - datetime.timedelta(days=days, minutes=-5)
    )
    assert bearer(still_valid).get("/api/programmes/").status_code == 200
    expired = issue_api_key(own.caseworker, at=timezone.now() - datetime.timedelta(days=days))

    response = bearer(expired).get("/api/programmes/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == EXPIRED


def test_the_expiry_is_explained_in_the_language_asked_for(own, settings):
    days = settings.ARRAIGO_API_TOKEN_DAYS
    expired = issue_api_key(own.caseworker, at=timezone.now() - datetime.timedelta(days=days))

    response = bearer(expired).get("/api/programmes/", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 401
    assert response.json()["detail"] == (
        "Este token de API venció. Cree uno nuevo en su página de token de API."
    )


def test_an_inactive_users_token_answers_401(own):
    key = issue_api_key(own.caseworker)
    own.caseworker.is_active = False
    own.caseworker.save(update_fields=["is_active"])

    response = bearer(key).get("/api/programmes/")

    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def _token_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "api_apitoken"')]


def test_last_use_is_recorded_once_a_day(own):
    key = issue_api_key(own.caseworker)
    token = ApiToken.objects.get(user=own.caseworker)
    assert token.last_used_on is None
    events = AuditEvent.objects.count()
    client = bearer(key)

    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/programmes/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/programmes/").status_code == 200

    used = ApiToken.objects.get(pk=token.pk)
    assert used.last_used_on == timezone.localdate()
    assert len(_token_updates(first.captured_queries)) == 1
    assert _token_updates(second.captured_queries) == []
    # A usage stamp, not a change: the row's update time and the audit log are left alone.
    assert used.updated_at == token.updated_at
    assert AuditEvent.objects.count() == events


def test_a_token_used_yesterday_is_stamped_again_today(own):
    key = issue_api_key(own.caseworker)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ApiToken.objects.filter(user=own.caseworker).update(last_used_on=yesterday)

    assert bearer(key).get("/api/programmes/").status_code == 200

    assert ApiToken.objects.get(user=own.caseworker).last_used_on == timezone.localdate()


def test_the_page_shows_the_expiry_and_that_the_token_was_never_used(own, client):
    issue_api_key(own.caseworker)
    token = ApiToken.objects.get(user=own.caseworker)
    client.force_login(own.caseworker)

    text = client.get(PAGE).content.decode()

    expires = formats.date_format(timezone.localtime(token.expires_at), "SHORT_DATE_FORMAT")
    assert re.search(rf"Expires on</dt>\s*<dd[^>]*>{re.escape(expires)}", text)
    assert "Never used" in text
    assert "Expired" not in text


def test_the_page_shows_the_last_use(own, client):
    key = issue_api_key(own.caseworker)
    bearer(key).get("/api/programmes/")
    client.force_login(own.caseworker)

    text = client.get(PAGE).content.decode()

    today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert re.search(rf"Last used on</dt>\s*<dd[^>]*>{re.escape(today)}", text)
    assert "Never used" not in text


def test_the_page_says_when_the_token_has_expired(own, client):
    issue_api_key(own.caseworker, at=timezone.now() - datetime.timedelta(days=365))
    client.force_login(own.caseworker)

    text = client.get(PAGE).content.decode()

    assert "Expired" in text
    assert "This token has expired and no longer works. Regenerate it" in text
