"""The check at registration, on the page and in the API: possible duplicates are shown before
anything is saved, and each answer is recorded with what was shown."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from arraigo.accounts.models import Role
from arraigo.api.tests.factories import issue_api_key
from arraigo.core.models import AuditEvent
from arraigo.dedup import services
from arraigo.dedup.forms import sign_shown
from arraigo.dedup.models import CandidatePair, Decision
from arraigo.dedup.tests.factories import dui, register
from arraigo.people.models import Enrolment, Participant
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

DUI = dui("04567890")
PANEL = "This person may already be registered"


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def maria(make_member, organisation, programme):
    """María José Hernández López, registered in another programme of the organisation."""
    elsewhere = ProgrammeFactory(organisation=organisation)
    colleague = make_member(
        Role.CASEWORKER, organisation=organisation, programmes=[elsewhere, programme]
    )
    return register(by=colleague, programme=elsewhere, numbers=(DUI,))


def form(programme, **overrides):
    """The registration form filled in for María José, with her surnames the other way round."""
    data = {
        "programme": str(programme.pk),
        "given_names": "Maria Jose",
        "first_surname": "Lopez",
        "second_surname": "Hernandez",
        "sex": "FEMALE",
        "birth_date": "1988-03-04",
        "nationality": "SV",
        "country": "SV",
        "department": "SV-PA",
        "municipality": "SV-PA-la-paz-este",
        "district": "",
        "population_type": "HOST_COMMUNITY",
        "documents-TOTAL_FORMS": "2",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "5",
        "documents-0-kind": "",
        "documents-0-number": "",
        "documents-1-kind": "",
        "documents-1-number": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def page(client, caseworker):
    client.force_login(caseworker)
    return client


def _post(page, data):
    return page.post(reverse("people:new"), data)


def test_possible_duplicates_are_shown_before_anything_is_saved(page, programme, maria):
    response = _post(page, form(programme))

    assert response.status_code == 200
    text = response.content.decode()
    assert PANEL in text
    assert maria.reference in text
    assert "surnames swapped" in text
    assert "% likely" in text
    check = response.context["duplicates"]
    assert [m.participant_id for m in check.matches] == [maria.pk]
    assert Participant.objects.count() == 1
    assert not Decision.objects.exists()


def test_a_person_the_user_may_not_see_is_shown_by_reference_only(page, programme, maria):
    # María is enrolled only in a programme the caseworker does not work in.
    text = _post(page, form(programme)).content.decode()

    assert maria.reference in text
    assert "A person registered in another programme" in text
    assert "María José" not in text
    assert reverse("people:detail", args=[maria.pk]) not in text


def test_a_visible_person_can_be_opened_from_the_panel(page, programme, maria):
    Enrolment.objects.create(
        participant=maria, programme=programme, enrolled_on=maria.registered_on
    )

    text = _post(page, form(programme)).content.decode()

    assert "María José Hernández López" in text
    assert reverse("people:detail", args=[maria.pk]) in text


def test_it_is_a_new_person_registers_and_records_what_was_shown(
    page, programme, maria, caseworker
):
    shown = _post(page, form(programme)).context["duplicates"].token

    response = _post(page, form(programme, duplicate_decision="new", duplicates_shown=shown))

    new = Participant.objects.exclude(pk=maria.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[new.pk])
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.NEW_PERSON
    assert decision.source == Decision.Source.REGISTRATION_PAGE
    assert decision.participant == new
    assert decision.decided_by == caseworker
    assert [c["participant"] for c in decision.candidates] == [str(maria.pk)]
    pair = CandidatePair.objects.get()
    assert {pair.participant_a_id, pair.participant_b_id} == {maria.pk, new.pk}
    assert pair.found_by == CandidatePair.FoundBy.REGISTRATION
    assert pair.status == CandidatePair.Status.OPEN
    assert decision.pair == pair
    assert AuditEvent.objects.filter(action="duplicate_pair.found", target_id=str(pair.pk)).exists()


def test_same_person_enrols_instead_of_registering_again(page, programme, maria, caseworker):
    shown = _post(page, form(programme)).context["duplicates"].token

    response = _post(
        page,
        form(programme, duplicate_decision=f"same:{maria.pk}", duplicates_shown=shown),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[maria.pk])
    assert Participant.objects.count() == 1
    assert Enrolment.objects.filter(participant=maria, programme=programme).exists()
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.SAME_PERSON
    assert decision.participant == maria
    assert decision.decided_by == caseworker
    assert [c["participant"] for c in decision.candidates] == [str(maria.pk)]
    assert not CandidatePair.objects.exists()


@pytest.mark.parametrize("shown", ["never shown", "tampered with", "shown nobody"])
def test_an_answer_to_what_was_not_shown_asks_again(page, programme, maria, shown):
    token = {"never shown": "", "tampered with": "forged-token", "shown nobody": sign_shown([])}

    response = _post(page, form(programme, duplicate_decision="new", duplicates_shown=token[shown]))

    assert response.status_code == 200
    assert PANEL in response.content.decode()
    assert Participant.objects.count() == 1
    assert not Decision.objects.exists()


def test_changed_details_that_find_someone_else_ask_again(
    page, programme, maria, caseworker, organisation
):
    shown = _post(page, form(programme)).context["duplicates"].token
    other = register(
        by=caseworker,
        programme=programme,
        given_names="Rosa Elena",
        first_surname="Quintanilla",
        second_surname="Ayala",
        birth_date=datetime.date(1990, 2, 11),
        numbers=(dui("00016297"),),
    )

    response = _post(
        page,
        form(
            programme,
            given_names="Rosa Elena",
            first_surname="Quintanilla",
            second_surname="Ayala",
            birth_date="1990-02-11",
            duplicate_decision="new",
            duplicates_shown=shown,
        ),
    )

    assert response.status_code == 200
    assert other.reference in response.content.decode()
    assert Participant.objects.count() == 2


def test_same_person_must_be_one_of_those_shown(page, programme, maria, caseworker):
    stranger = register(
        by=caseworker,
        programme=programme,
        given_names="Wilfredo",
        first_surname="Cañas",
        second_surname="",
        sex="MALE",
        birth_date=datetime.date(1970, 1, 1),
    )
    shown = _post(page, form(programme)).context["duplicates"].token

    response = _post(
        page,
        form(programme, duplicate_decision=f"same:{stranger.pk}", duplicates_shown=shown),
    )

    assert response.status_code == 200
    assert PANEL in response.content.decode()
    assert not Decision.objects.exists()


def test_without_possible_duplicates_the_person_is_registered_at_once(page, programme, maria):
    response = _post(
        page,
        form(
            programme,
            given_names="Wilfredo Antonio",
            first_surname="Cañas",
            second_surname="Portillo",
            sex="MALE",
            birth_date="1975-08-30",
        ),
    )

    assert response.status_code == 302
    assert Participant.objects.count() == 2
    assert not Decision.objects.exists()


@pytest.fixture
def stranger(make_member, other_organisation):
    """María José registered by another organisation, with the same DUI."""
    other_programme = ProgrammeFactory(organisation=other_organisation)
    other = make_member(Role.CASEWORKER, organisation=other_organisation)
    return register(by=other, programme=other_programme, numbers=(DUI,))


def with_dui(programme):
    return form(programme, **{"documents-0-kind": "DUI", "documents-0-number": DUI})


def test_another_organisations_people_are_not_read_without_an_agreement(page, programme, stranger):
    response = _post(page, with_dui(programme))

    assert response.status_code == 302
    assert Participant.objects.filter(organisation=programme.organisation).count() == 1


def test_with_an_agreement_another_organisations_person_shows_only_as_a_match_there(
    page, programme, organisation, other_organisation, stranger
):
    services.sharing_agreement_record(
        organisation=organisation,
        other=other_organisation,
        valid_from=timezone.localdate(),
        valid_until=None,
        signed_by="Directoras",
        discloses_reference=False,
        by=None,
        at=timezone.now(),
    )

    response = _post(page, with_dui(programme))

    text = response.content.decode()
    assert response.status_code == 200
    assert f"A possible match exists in {other_organisation}." in text
    assert stranger.reference not in text
    assert "Hernández" not in text
    assert str(stranger.pk) not in text
    assert "Same person: enrol" not in text


# --- The API ------------------------------------------------------------------------------------


def _api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_key(user)}")
    return client


def _body(programme, **overrides):
    body = {
        "programme": str(programme.pk),
        "given_names": "Maria Jose",
        "first_surname": "Lopez",
        "second_surname": "Hernandez",
        "sex": "FEMALE",
        "birth_date": "1988-03-04",
        "nationality": "SV",
        "country": "SV",
        "department": "SV-PA",
        "municipality": "SV-PA-la-paz-este",
        "population_type": "HOST_COMMUNITY",
    }
    body.update(overrides)
    return body


def test_the_api_answers_409_with_the_possible_duplicates(caseworker, programme, maria):
    response = _api(caseworker).post(reverse("api:participants"), _body(programme), format="json")

    assert response.status_code == 409
    [candidate] = response.json()["possible_duplicates"]
    assert candidate["reference"] == maria.reference
    assert candidate["same_organisation"] is True
    assert candidate["id"] is None  # enrolled only in a programme the caseworker is not in
    assert "surnames swapped" in [reason["text"] for reason in candidate["reasons"]]
    assert set(candidate) == {
        "id",
        "reference",
        "organisation",
        "same_organisation",
        "probability",
        "reasons",
    }
    assert Participant.objects.count() == 1


def test_the_api_registers_when_told_it_is_a_new_person(caseworker, programme, maria):
    response = _api(caseworker).post(
        reverse("api:participants"), _body(programme, confirm_new_person=True), format="json"
    )

    assert response.status_code == 201
    new = Participant.objects.get(pk=response.json()["id"])
    decision = Decision.objects.get()
    assert decision.kind == Decision.Kind.NEW_PERSON
    assert decision.source == Decision.Source.API
    assert decision.participant == new
    assert [c["participant"] for c in decision.candidates] == [str(maria.pk)]


def test_the_api_registers_at_once_without_possible_duplicates(caseworker, programme, maria):
    response = _api(caseworker).post(
        reverse("api:participants"),
        _body(programme, given_names="Wilfredo", first_surname="Cañas", sex="MALE"),
        format="json",
    )

    assert response.status_code == 201
    assert not Decision.objects.exists()


def test_the_api_shows_the_id_of_a_person_the_user_may_see(caseworker, programme, maria):
    Enrolment.objects.create(
        participant=maria, programme=programme, enrolled_on=maria.registered_on
    )

    response = _api(caseworker).post(reverse("api:participants"), _body(programme), format="json")

    assert response.json()["possible_duplicates"][0]["id"] == str(maria.pk)
