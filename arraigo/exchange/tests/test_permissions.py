"""Who may import: ADMIN, MANAGER and CASEWORKER of the organisation; everyone else, and
another organisation, gets 404."""

import pytest
from django.urls import reverse
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.exchange import services
from arraigo.exchange.models import ImportRun
from arraigo.exchange.permissions import visible_import_runs
from arraigo.exchange.tests.helpers import csv_file, person
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

ALLOWED = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER]
REFUSED = [Role.PSYCHOSOCIAL, Role.EVALUATOR, Role.MONITORING, Role.PARTNER, Role.VIEWER]


@pytest.fixture
def run(upload):
    return upload(csv_file([person()]))


def _pages(run):
    return {
        "list": ("get", reverse("exchange:list")),
        "new": ("get", reverse("exchange:new")),
        "template": ("get", reverse("exchange:template")),
        "detail": ("get", reverse("exchange:detail", kwargs={"pk": run.pk})),
        "progress": ("get", reverse("exchange:progress", kwargs={"pk": run.pk})),
        "confirm": ("post", reverse("exchange:confirm", kwargs={"pk": run.pk})),
        "discard": ("post", reverse("exchange:discard", kwargs={"pk": run.pk})),
        "answer": (
            "post",
            reverse("exchange:row_answer", kwargs={"pk": run.pk, "row_pk": run.rows.get().pk}),
        ),
    }


PAGES = ["list", "new", "template", "detail", "progress", "confirm", "discard", "answer"]


@pytest.mark.parametrize("role", ALLOWED)
@pytest.mark.parametrize("name", ["list", "new", "template", "detail"])
def test_import_roles_of_the_organisation_open_the_pages(
    client, make_member, organisation, programme, run, role, name
):
    client.force_login(make_member(role, organisation=organisation, programmes=[programme]))
    method, url = _pages(run)[name]

    assert getattr(client, method)(url).status_code == 200


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("name", PAGES)
def test_other_roles_get_404(client, make_member, organisation, programme, run, role, name):
    client.force_login(make_member(role, organisation=organisation, programmes=[programme]))
    method, url = _pages(run)[name]

    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("role", ALLOWED)
@pytest.mark.parametrize("name", ["detail", "progress", "confirm", "discard", "answer"])
def test_another_organisations_import_answers_404(
    client, make_member, other_organisation, run, role, name
):
    other_programme = ProgrammeFactory(organisation=other_organisation)
    client.force_login(
        make_member(role, organisation=other_organisation, programmes=[other_programme])
    )
    method, url = _pages(run)[name]

    assert getattr(client, method)(url).status_code == 404
    assert getattr(client, method)(url, HTTP_HX_REQUEST="true").status_code == 404
    assert ImportRun.objects.get().status == ImportRun.Status.CHECKED


def test_a_caseworker_sees_only_imports_of_its_programmes(make_member, organisation, run):
    elsewhere = ProgrammeFactory(organisation=organisation)
    outsider = make_member(Role.CASEWORKER, organisation=organisation, programmes=[elsewhere])
    admin = make_member(Role.ADMIN, organisation=organisation)

    assert list(visible_import_runs(outsider)) == []
    assert list(visible_import_runs(admin)) == [run]


def test_nobody_imports_into_a_programme_they_do_not_work_in(make_member, organisation):
    elsewhere = ProgrammeFactory(organisation=organisation)
    outsider_programme = ProgrammeFactory(organisation=organisation)
    caseworker = make_member(
        Role.CASEWORKER, organisation=organisation, programmes=[outsider_programme]
    )

    with pytest.raises(services.PermissionDenied):
        services.import_run_upload(
            programme=elsewhere,
            file_name="x.csv",
            content=csv_file([person()]),
            by=caseworker,
            at=timezone.now(),
        )


def test_the_menu_offers_imports_to_the_roles_allowed(client, make_member, organisation):
    for role in [*ALLOWED, *REFUSED]:
        client.force_login(make_member(role, organisation=organisation))
        response = client.get(reverse("core:home"), follow=True)
        has_entry = reverse("exchange:list") in response.content.decode()
        assert has_entry is (role in ALLOWED), role
