"""Second factor for administrators, lockout after failed sign-ins, idle timeout."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from arraigo.accounts.models import Role
from arraigo.api.tests.factories import issue_api_key
from arraigo.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_member, organisation):
    return make_member(Role.ADMIN, organisation=organisation)


def test_an_admin_without_second_factor_is_sent_to_set_it_up(client, settings, admin):
    settings.ARRAIGO_REQUIRE_ADMIN_MFA = True
    client.force_login(admin)
    response = client.get(reverse("accounts:team"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_an_admin_with_a_second_factor_goes_on(client, settings, admin):
    settings.ARRAIGO_REQUIRE_ADMIN_MFA = True
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(admin)
    assert client.get(reverse("accounts:team")).status_code == 200


def test_other_roles_are_not_forced(client, settings, make_member, organisation):
    settings.ARRAIGO_REQUIRE_ADMIN_MFA = True
    client.force_login(make_member(Role.CASEWORKER, organisation=organisation))
    assert client.get(reverse("cases:my_work")).status_code == 200


def test_an_admin_token_stops_working_without_the_second_factor(client, settings, admin):
    settings.ARRAIGO_REQUIRE_ADMIN_MFA = True
    key = issue_api_key(admin)
    response = client.get("/api/programmes/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def test_five_failed_sign_ins_lock_the_account(client, make_member, organisation):
    user = make_member(Role.CASEWORKER, organisation=organisation)
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": user.email, "password": "wrong"})
    response = client.post(url, {"login": user.email, "password": "arraigo-test"})
    assert "_auth_user_id" not in client.session  # the right password is refused too
    assert "Too many failed login attempts" in response.content.decode()
    assert AuditEvent.objects.filter(action="user.sign_in_failed").count() == 5


def test_the_lockout_is_per_account(client, make_member, organisation):
    locked = make_member(Role.CASEWORKER, organisation=organisation)
    other = make_member(Role.CASEWORKER, organisation=organisation)
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": locked.email, "password": "wrong"})
    client.post(url, {"login": other.email, "password": "arraigo-test"})
    assert client.session["_auth_user_id"] == str(other.pk)


def test_a_correct_password_signs_in_and_is_audited(client, make_member, organisation):
    user = make_member(Role.CASEWORKER, organisation=organisation)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "arraigo-test"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action="user.signed_in", actor=user).exists()


def test_sessions_end_after_idle_time(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_nobody_can_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 302}
    assert 'name="password1"' not in response.content.decode()
