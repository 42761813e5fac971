import pytest
from django.urls import reverse

from arraigo.accounts.models import Role
from arraigo.core.models import AuditEvent
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from arraigo.programmes.models import Programme
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def enrol(programme, count, **participant):
    for _ in range(count):
        person = ParticipantFactory(organisation=programme.organisation, **participant)
        EnrolmentFactory(participant=person, programme=programme)


def table_cells(response):
    return {
        label: [str(c) for c in cells]
        for label, cells, _total in response.context["breakdown"].rows
    }


def test_viewers_see_small_counts_hidden(client, make_member, organisation, programme):
    enrol(programme, 7, sex="FEMALE")
    enrol(programme, 2, sex="MALE")
    client.force_login(make_member(Role.VIEWER, organisation=organisation, programmes=[programme]))
    response = client.get(reverse("programmes:detail", args=[programme.pk]))
    assert table_cells(response)["Returnee"] == ["7", "<5", "0"]
    assert "Participants" not in [item.label for item in response.context["nav_items"]]


def test_staff_see_exact_counts(client, make_member, organisation, programme):
    enrol(programme, 2, sex="MALE")
    client.force_login(make_member(Role.MANAGER, organisation=organisation, programmes=[programme]))
    response = client.get(reverse("programmes:detail", args=[programme.pk]))
    assert table_cells(response)["Returnee"] == ["0", "2", "0"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER, Role.CASEWORKER, Role.MONITORING])
def test_a_programme_the_user_is_not_in_answers_404(client, make_member, organisation, role):
    mine, other = (
        ProgrammeFactory(organisation=organisation),
        ProgrammeFactory(organisation=organisation),
    )
    client.force_login(make_member(role, organisation=organisation, programmes=[mine]))
    assert client.get(reverse("programmes:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("programmes:detail", args=[other.pk])).status_code == 404


def test_another_organisation_s_programme_answers_404(
    client, make_member, other_organisation, programme
):
    client.force_login(make_member(Role.ADMIN, organisation=other_organisation))
    assert client.get(reverse("programmes:detail", args=[programme.pk])).status_code == 404


def test_an_admin_creates_a_programme(client, make_member, organisation):
    admin = make_member(Role.ADMIN, organisation=organisation)
    client.force_login(admin)
    response = client.post(
        reverse("programmes:new"),
        {
            "code": "sv-semilla-27",
            "name": "Capital semilla 2027",
            "country": "SV",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "currency": "usd",
            "budget": "250000",
            "status": "PLANNED",
            "description": "",
            "donor": "UE",
        },
    )
    programme = Programme.objects.get(code="SV-SEMILLA-27")
    assert response["Location"] == reverse("programmes:detail", args=[programme.pk])
    assert programme.currency == "USD"
    assert AuditEvent.objects.filter(action="programme.created", actor=admin).exists()


def test_a_programme_cannot_end_before_it_starts(client, make_member, organisation):
    client.force_login(make_member(Role.ADMIN, organisation=organisation))
    response = client.post(
        reverse("programmes:new"),
        {
            "code": "X1",
            "name": "X",
            "country": "SV",
            "starts_on": "2027-01-01",
            "ends_on": "2026-01-01",
            "currency": "USD",
            "status": "PLANNED",
        },
    )
    assert response.status_code == 200
    assert "cannot end before it starts" in response.content.decode()
    assert not Programme.objects.filter(code="X1").exists()


def test_a_manager_cannot_create_programmes(client, make_member, organisation, programme):
    client.force_login(make_member(Role.MANAGER, organisation=organisation, programmes=[programme]))
    assert client.get(reverse("programmes:new")).status_code == 404
    assert client.get(reverse("programmes:edit", args=[programme.pk])).status_code == 404
