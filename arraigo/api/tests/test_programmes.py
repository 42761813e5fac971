"""Programmes through the API: the ones the user works in, and nothing else."""

import pytest

from arraigo.accounts.models import Role
from arraigo.api.tests.conftest import NO_API_ROLES, STAFF_ROLES, client_for
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

LIST = "/api/programmes/"


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL])
def test_staff_see_the_programmes_they_are_assigned_to(role, own, other, member_of):
    unassigned = ProgrammeFactory(organisation=own.organisation)
    client = client_for(member_of(role, own))

    assert ids(client.get(LIST)) == {str(own.programme.pk)}
    assert client.get(f"{LIST}{own.programme.pk}/").json()["code"] == own.programme.code
    assert client.get(f"{LIST}{unassigned.pk}/").status_code == 404
    assert client.get(f"{LIST}{other.programme.pk}/").status_code == 404


def test_an_admin_sees_every_programme_of_its_organisation(own, other, member_of):
    second = ProgrammeFactory(organisation=own.organisation)
    partnered = ProgrammeFactory(organisation=other.organisation)
    partnered.partners.add(own.organisation)

    response = client_for(member_of(Role.ADMIN, own)).get(LIST)

    assert ids(response) == {str(own.programme.pk), str(second.pk), str(partnered.pk)}
    row = next(r for r in response.json()["results"] if r["id"] == str(partnered.pk))
    assert row["partners"] == [{"id": str(own.organisation.pk), "name": own.organisation.name}]


def test_partners_work_in_no_programme(own):
    client = client_for(own.partner)

    assert ids(client.get(LIST)) == set()
    assert client.get(f"{LIST}{own.programme.pk}/").status_code == 404


@pytest.mark.parametrize("role", NO_API_ROLES)
def test_roles_without_the_api_get_404(role, own, member_of):
    assert client_for(member_of(role, own)).get(LIST).status_code == 404


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_programmes_are_listed_by_name_in_pages(role, own, member_of):
    user = member_of(role, own)
    for name in ("Zeta", "Alfa"):
        ProgrammeFactory(organisation=own.organisation, name=name).assignments.create(
            membership=user.membership
        )
    client = client_for(user)

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    names = [row["name"] for row in first["results"] + second["results"]]
    assert names == sorted(names)
    assert len(names) == 3
