"""The participant pages, at the request level."""

import datetime
import html
import re

import pytest
from django.urls import reverse

from arraigo.accounts.models import Role
from arraigo.core.models import AuditEvent
from arraigo.people.models import IdentityDocument, Participant
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def enrolled(organisation, programme):
    participant = ParticipantFactory(
        organisation=organisation, given_names="Rosa Elena", first_surname="Quintanilla"
    )
    EnrolmentFactory(participant=participant, programme=programme)
    return participant


def registration(programme, **overrides):
    data = {
        "programme": str(programme.pk),
        "given_names": "Rosa Elena",
        "first_surname": "Quintanilla",
        "second_surname": "Ayala",
        "sex": "FEMALE",
        "birth_date": "1990-02-11",
        "nationality": "SV",
        "phone": "7012-3456",
        "country": "SV",
        "department": "SV-PA",
        "municipality": "SV-PA-la-paz-este",
        "district": "",
        "population_type": "RETURNEE",
        "returned_on": "2026-09-30",
        "returned_from": "US",
        "household_size": "3",
        "household_dependants": "1",
        "documents-TOTAL_FORMS": "2",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "5",
        "documents-0-kind": "DUI",
        "documents-0-number": "00016297-5",
        "documents-1-kind": "",
        "documents-1-number": "",
    }
    data.update(overrides)
    return data


def test_registration_page_renders_in_spanish_by_default(client_as, caseworker, settings):
    settings.LANGUAGE_CODE = "es"
    response = client_as(caseworker).get(reverse("people:new"))
    assert response.status_code == 200
    assert "Registrar" in response.content.decode()


def test_registering_a_person_redirects_to_its_page(client_as, caseworker, programme):
    response = client_as(caseworker).post(reverse("people:new"), registration(programme))
    participant = Participant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[participant.pk])
    assert participant.household.size == 3
    assert IdentityDocument.objects.get().number_normalized == "000162975"


def test_a_bad_document_number_is_shown_at_its_field_and_nothing_is_saved(
    client_as, caseworker, programme
):
    data = registration(programme, **{"documents-0-number": "00016297-4"})
    response = client_as(caseworker).post(reverse("people:new"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "last digit does not match" in html
    assert 'id="id_documents-0-number_error1"' in html
    assert Participant.objects.count() == 0


def test_a_returnee_without_return_date_gets_the_error_at_the_field(
    client_as, caseworker, programme
):
    response = client_as(caseworker).post(
        reverse("people:new"), registration(programme, returned_on="")
    )
    assert response.status_code == 200
    assert "Enter the date of return of a returnee." in response.content.decode()
    assert Participant.objects.count() == 0


def test_a_municipality_of_another_department_is_refused(client_as, caseworker, programme):
    response = client_as(caseworker).post(
        reverse("people:new"), registration(programme, department="SV-SS")
    )
    assert response.status_code == 200
    assert Participant.objects.count() == 0


def test_no_javascript_address_flow_offers_the_municipalities_of_the_department(
    client_as, caseworker, programme
):
    response = client_as(caseworker).post(
        reverse("people:new"), registration(programme, municipality="")
    )
    html = response.content.decode()
    assert 'value="SV-PA-la-paz-este"' in html
    assert 'value="SV-SS-san-salvador-centro"' not in html


def test_address_fields_partial_follows_the_department(client_as, caseworker):
    response = client_as(caseworker).get(
        reverse("people:address_fields"),
        {"country": "SV", "department": "SV-SS"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "department"},
    )
    html = response.content.decode()
    assert "San Salvador Centro" in html
    assert "<html" not in html


def test_the_same_document_twice_is_refused_at_the_row(client_as, caseworker, programme):
    client = client_as(caseworker)
    client.post(reverse("people:new"), registration(programme))
    # The duplicate check shows the person who holds the document first…
    checked = client.post(reverse("people:new"), registration(programme, given_names="Otra"))
    assert "same document number" in checked.content.decode()
    # …and a "new person" with the same document is refused at its row.
    response = client.post(
        reverse("people:new"),
        registration(
            programme,
            given_names="Otra",
            duplicate_decision="new",
            duplicates_shown=checked.context["duplicates"].token,
        ),
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert Participant.objects.count() == 1


def test_search_terms_never_appear_in_urls(client_as, caseworker, enrolled):
    client = client_as(caseworker)
    response = client.post(reverse("people:list"), {"q": "Quintanilla"})
    assert response.status_code == 302
    assert "Quintanilla" not in response["Location"]
    page = client.get(response["Location"])
    assert "Rosa Elena" in page.content.decode()


def test_htmx_search_answers_the_results_and_pushes_a_token_url(client_as, caseworker, enrolled):
    response = client_as(caseworker).post(
        reverse("people:list"), {"q": "Rosa Quintanila"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Rosa Elena" in response.content.decode()
    assert "Quintanila" not in response["HX-Push-Url"]


def test_list_paginates_by_keyset(client_as, caseworker, organisation, programme):
    for _ in range(30):
        EnrolmentFactory(
            participant=ParticipantFactory(organisation=organisation), programme=programme
        )
    client = client_as(caseworker)
    first = client.get(reverse("people:list"))
    assert len(first.context["page"].items) == 25
    second = client.get(reverse("people:list"), {"cursor": first.context["page"].next_cursor})
    assert len(second.context["page"].items) == 5
    assert not set(first.context["page"].items) & set(second.context["page"].items)


def test_a_forged_cursor_answers_404(client_as, caseworker):
    assert client_as(caseworker).get(reverse("people:list"), {"cursor": "zzz"}).status_code == 404


def test_detail_of_another_organisation_answers_404(
    client_as, make_member, other_organisation, enrolled
):
    other_programme = ProgrammeFactory(organisation=other_organisation)
    outsider = make_member(
        Role.CASEWORKER, organisation=other_organisation, programmes=[other_programme]
    )
    client = client_as(outsider)
    for name in (
        "people:detail",
        "people:edit",
        "people:document_new",
        "people:consent_new",
        "people:household",
        "people:enrol",
    ):
        assert client.get(reverse(name, args=[enrolled.pk])).status_code == 404, name


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.MONITORING, Role.PARTNER, Role.VIEWER])
def test_roles_without_names_get_404_on_the_registry(
    client_as, make_member, organisation, programme, enrolled, role
):
    client = client_as(make_member(role, organisation=organisation, programmes=[programme]))
    assert client.get(reverse("people:list")).status_code == 404
    assert client.get(reverse("people:detail", args=[enrolled.pk])).status_code == 404


def test_viewing_sensitive_details_is_audited(client_as, caseworker, enrolled):
    enrolled.gender_identity = "WOMAN"
    enrolled.save()
    client_as(caseworker).get(reverse("people:detail", args=[enrolled.pk]))
    event = AuditEvent.objects.get(action="participant.sensitive_read")
    assert (event.kind, event.actor, event.data_subject_id) == ("READ", caseworker, enrolled.pk)


def test_recording_a_consent(client_as, caseworker, enrolled, organisation):
    response = client_as(caseworker).post(
        reverse("people:consent_new", args=[enrolled.pk]),
        {
            "purpose": "REFERRAL",
            "organisations": [str(organisation.pk)],
            "method": "SIGNED",
            "given_on": datetime.date.today().isoformat(),
            "expires_on": "",
        },
    )
    assert response.status_code == 302
    assert enrolled.consents.get().organisations.get() == organisation


def test_login_required_everywhere(client, enrolled):
    response = client.get(reverse("people:detail", args=[enrolled.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_next_link_of_the_page_leads_to_the_next_page(
    client_as, caseworker, organisation, programme
):
    for _ in range(30):
        EnrolmentFactory(
            participant=ParticipantFactory(organisation=organisation), programme=programme
        )
    client = client_as(caseworker)
    first = client.get(reverse("people:list"))
    link = re.search(r'href="([^"]*)" rel="next"', first.content.decode()).group(1)
    second = client.get(reverse("people:list") + html.unescape(link))
    assert len(second.context["page"].items) == 5
    assert not set(first.context["page"].items) & set(second.context["page"].items)
