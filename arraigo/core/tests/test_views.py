import pytest
from django.urls import reverse
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.core import audit
from arraigo.programmes.tests.factories import ProgrammeFactory


@pytest.mark.django_db
def test_not_found_pages_are_the_app_s_own(client, make_member, organisation):
    client.force_login(make_member(Role.CASEWORKER, organisation=organisation))
    response = client.get("/participants/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "does not exist, or you cannot see it" in response.content.decode()


@pytest.mark.django_db
def test_health_answers_without_signing_in(client):
    response = client.get(reverse("core:health"))
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "start"),
    [
        (Role.CASEWORKER, "cases:my_work"),
        (Role.PARTNER, "referrals:list"),
        (Role.VIEWER, "programmes:list"),
        (Role.MONITORING, "programmes:list"),
    ],
)
def test_home_sends_each_role_to_its_work(client, make_member, organisation, role, start):
    client.force_login(make_member(role, organisation=organisation))
    response = client.get(reverse("core:home"))
    assert response["Location"] == reverse(start)


@pytest.mark.django_db
def test_only_an_admin_reads_the_audit_log_of_its_own_organisation(
    client, make_member, organisation, other_organisation
):
    at = timezone.now()
    mine = audit.record(
        actor=None,
        action="programme.created",
        at=at,
        target=ProgrammeFactory(organisation=organisation),
    )
    theirs = audit.record(
        actor=None,
        action="programme.created",
        at=at,
        target=ProgrammeFactory(organisation=other_organisation),
    )
    client.force_login(make_member(Role.MANAGER, organisation=organisation))
    assert client.get(reverse("core:audit")).status_code == 404
    client.force_login(make_member(Role.ADMIN, organisation=organisation))
    response = client.get(reverse("core:audit"))
    shown = set(response.context["page"].items)
    assert mine in shown
    assert theirs not in shown
