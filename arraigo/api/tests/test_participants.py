"""Participants through the API: who sees whom, registration, corrections, search, bad input."""

import base64
import datetime
import json

import pytest
from django.urls import reverse

from arraigo.accounts.models import Role
from arraigo.api.tests.conftest import NO_API_ROLES, STAFF_ROLES, client_for
from arraigo.core.models import AdministrativeDivision, AuditEvent, ReferenceSequence
from arraigo.people.models import IdentityDocument, Participant
from arraigo.people.tests.factories import EnrolmentFactory, IdentityDocumentFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

LIST = "/api/participants/"
SEARCH = "/api/participants/search/"
LA_PAZ_ESTE = "SV-PA-la-paz-este"
# A DUI whose check digit is right, and the same number with a wrong one.
GOOD_DUI = "00016297-5"
BAD_DUI = "00016297-4"
SENSITIVE_KEYS = {"gender_identity", "disability_answers"}


def detail_url(participant) -> str:
    return f"/api/participants/{participant.pk}/"


def registration(programme, **overrides) -> dict:
    body = {
        "programme": str(programme.pk),
        "given_names": "Rosa Amelia",
        "first_surname": "Guardado",
        "second_surname": "Mejía",
        "sex": "FEMALE",
        "birth_date": "1988-02-14",
        "nationality": "SV",
        "phone": "+503 7012-3456",
        "country": "SV",
        "department": "SV-PA",
        "municipality": LA_PAZ_ESTE,
        "population_type": "RETURNEE",
        "returned_on": "2026-09-30",
        "returned_from": "US",
        "return_kind": "DEPORTED",
        "languages": ["es"],
        "disability_answers": {"SEEING": 1, "MOBILITY": 3},
        "documents": [{"kind": "DUI", "number": GOOD_DUI}],
        "household_size": 4,
        "household_dependants": 2,
    }
    body.update(overrides)
    return body


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


# --- Who sees whom ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_list_the_people_of_their_programmes_only(role, own, other, member_of):
    response = client_for(member_of(role, own)).get(LIST)

    assert response.status_code == 200
    assert str(own.participant.pk) in ids(response)
    assert str(other.participant.pk) not in ids(response)


@pytest.mark.parametrize("role", [Role.PARTNER, *NO_API_ROLES])
@pytest.mark.parametrize("path", [LIST, SEARCH])
def test_roles_without_names_find_no_participant_endpoint(role, path, own, member_of):
    client = client_for(member_of(role, own))

    response = client.get(path) if path == LIST else client.post(path, {"q": "María"})

    assert response.status_code == 404


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize(("side", "expected"), [("own", 200), ("other", 404)])
def test_retrieve_by_role_and_organisation(role, side, expected, own, other, member_of):
    participant = {"own": own, "other": other}[side].participant

    response = client_for(member_of(role, own)).get(detail_url(participant))

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["reference"] == participant.reference


@pytest.mark.parametrize("role", [Role.PARTNER, *NO_API_ROLES])
def test_other_roles_get_404_for_a_participant(role, own, member_of):
    response = client_for(member_of(role, own)).get(detail_url(own.participant))

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_a_programme_the_user_is_not_in_hides_the_person(own, make_member):
    elsewhere = ProgrammeFactory(organisation=own.organisation)
    user = make_member(Role.CASEWORKER, organisation=own.organisation, programmes=[elsewhere])

    assert client_for(user).get(detail_url(own.participant)).status_code == 404
    assert str(own.participant.pk) not in ids(client_for(user).get(LIST))


def test_hidden_and_missing_answer_the_same(own, other):
    client = client_for(own.caseworker)

    hidden = client.get(detail_url(other.participant))
    missing = client.get("/api/participants/00000000-0000-0000-0000-000000000000/")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


# --- What is shown, and the audit of sensitive reads ----------------------------------------


def test_list_shows_who_the_person_is_and_never_sensitive_fields(own):
    own.participant.gender_identity = "WOMAN"
    own.participant.save()
    IdentityDocumentFactory(participant=own.participant, number="A1234567")

    row = next(
        r
        for r in client_for(own.caseworker).get(LIST).json()["results"]
        if r["id"] == str(own.participant.pk)
    )

    assert row["reference"] == own.participant.reference
    assert row["full_name"] == own.participant.full_name
    assert row["municipality"] == {"code": LA_PAZ_ESTE, "name": "La Paz Este"}
    assert row["documents"][0]["number"] == "A1234567"
    assert row["age"] >= 30
    assert not SENSITIVE_KEYS & set(row)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


def test_retrieve_shows_sensitive_fields_and_records_the_read(own):
    participant = own.participant
    participant.gender_identity = "TRANS_WOMAN"
    participant.disability_answers = {"HEARING": 4}
    participant.save()

    response = client_for(own.caseworker).get(detail_url(participant))

    body = response.json()
    assert body["gender_identity"] == "TRANS_WOMAN"
    assert body["disability_answers"]["HEARING"] == 4
    assert body["disability_answers"]["SEEING"] is None
    read = AuditEvent.objects.get(kind=AuditEvent.Kind.READ)
    assert read.action == "participant.sensitive_read"
    assert read.actor == own.caseworker
    assert read.data_subject_id == participant.pk


def test_retrieve_without_sensitive_values_records_no_read(own):
    response = client_for(own.caseworker).get(detail_url(own.participant))

    assert response.status_code == 200
    assert response.json()["gender_identity"] == ""
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


def test_an_estimated_birth_date_shows_as_an_age(own):
    participant = own.participant
    participant.birth_date_is_estimated = True
    participant.save()

    body = client_for(own.caseworker).get(detail_url(participant)).json()

    assert body["birth_date"] is None
    assert body["birth_date_is_estimated"] is True
    assert isinstance(body["age"], int)


def test_enrolments_show_only_programmes_the_user_works_in(own, make_member):
    elsewhere = ProgrammeFactory(organisation=own.organisation)
    EnrolmentFactory(participant=own.participant, programme=elsewhere)

    body = client_for(own.caseworker).get(detail_url(own.participant)).json()

    assert [e["programme"]["id"] for e in body["enrolments"]] == [str(own.programme.pk)]
    assert [c["id"] for c in body["cases"]] == [str(own.case.pk)]


# --- Filters and pages --------------------------------------------------------------------------


def test_filters_by_programme_population_type_and_sex(own, make_member):
    second = ProgrammeFactory(organisation=own.organisation)
    admin = make_member(Role.ADMIN, organisation=own.organisation)
    client = client_for(admin)

    assert str(own.participant.pk) in ids(client.get(LIST, {"programme": own.programme.pk}))
    assert ids(client.get(LIST, {"programme": second.pk})) == set()
    assert ids(client.get(LIST, {"population_type": "IDP"})) == set()
    assert str(own.participant.pk) in ids(client.get(LIST, {"population_type": "RETURNEE"}))
    assert ids(client.get(LIST, {"sex": "MALE"})) == set()


def test_a_filter_on_another_organisations_programme_is_refused(own, other):
    response = client_for(own.caseworker).get(LIST, {"programme": other.programme.pk})

    assert response.status_code == 400
    assert response.json() == {"programme": ["Choose one of the programmes you work in."]}


def test_bad_filters_answer_per_field(own):
    response = client_for(own.caseworker).get(LIST, {"programme": "x", "sex": "N"})

    assert response.status_code == 400
    assert set(response.json()) == {"programme", "sex"}


def test_pages_follow_the_cursor_without_repeating_anyone(own):
    for _n in range(2):
        EnrolmentFactory(
            participant=Participant.objects.create(
                **{
                    field.attname: getattr(own.participant, field.attname)
                    for field in Participant._meta.concrete_fields
                    if field.attname not in {"id", "reference"}
                },
                reference=f"SV-2026-9{_n:05d}",
            ),
            programme=own.programme,
        )
    client = client_for(own.caseworker)

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None
    seen = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(seen)) == 3


@pytest.mark.parametrize("size", ["0", "201", "100000", "many"])
def test_page_sizes_out_of_range_are_refused(size, own):
    response = client_for(own.caseworker).get(LIST, {"page_size": size})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Ask for between 1 and 200 rows a page."]}


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", _cursor(["n", ["not-a-uuid"]]), _cursor(["n", [[1, 2]]]), _cursor(["x", []])],
)
def test_a_forged_cursor_answers_404_not_500(cursor, own):
    response = client_for(own.caseworker).get(LIST, {"cursor": cursor})

    assert response.status_code == 404
    assert "page link" in response.json()["detail"]


# --- Registration -------------------------------------------------------------------------------


def test_registration_writes_the_person_its_document_enrolment_and_household(own):
    response = client_for(own.caseworker).post(LIST, registration(own.programme), format="json")

    assert response.status_code == 201
    body = response.json()
    participant = Participant.objects.get(pk=body["id"])
    assert body["reference"].startswith(f"SV-{datetime.date.today().year}-")
    assert body["documents"][0]["number"] == GOOD_DUI
    assert body["household"]["size"] == 4
    assert body["has_disability"] is True
    assert not SENSITIVE_KEYS & set(body)  # the answer is not a read of sensitive data
    assert participant.disability_answers == {"SEEING": 1, "MOBILITY": 3}
    assert participant.registered_by == own.caseworker
    assert participant.enrolments.get().programme == own.programme
    actions = set(
        AuditEvent.objects.filter(data_subject_id=participant.pk).values_list("action", flat=True)
    )
    assert {
        "participant.registered",
        "identity_document.added",
        "participant.enrolled",
        "household.created",
    } <= actions


def test_registration_with_an_age_estimates_the_birth_date(own):
    body = registration(own.programme, birth_date=None, age=40)

    response = client_for(own.caseworker).post(LIST, body, format="json")

    assert response.status_code == 201
    participant = Participant.objects.get(pk=response.json()["id"])
    assert participant.birth_date_is_estimated is True
    assert response.json()["age"] in (39, 40)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"returned_on": None}, "returned_on", "Enter the date of return of a returnee."),
        (
            {"municipality": "SV-SS-san-salvador-centro"},
            "municipality",
            "This municipality is not in the chosen department.",
        ),
        (
            {"birth_date": None},
            "birth_date",
            "Enter the date of birth, or an approximate age.",
        ),
        ({"birth_date": "2099-01-01"}, "birth_date", "The date of birth cannot be in the future."),
        ({"phone": "12"}, "phone", None),
        ({"municipality": "XX-nowhere"}, "municipality", None),
        ({"sex": "OTHER"}, "sex", None),
        ({"age": 500, "birth_date": None}, "age", None),
        ({"given_names": "x" * 121}, "given_names", None),
        ({"disability_answers": {"SEEING": 7}}, "disability_answers", None),
        ({"languages": ["xx"]}, "languages", None),
        ({"household_dependants": 4}, "household_dependants", None),
    ],
)
def test_registration_refusals_name_the_field(overrides, field, message, own):
    before = (Participant.objects.count(), AuditEvent.objects.count())

    response = client_for(own.caseworker).post(
        LIST, registration(own.programme, **overrides), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert (Participant.objects.count(), AuditEvent.objects.count()) == before


def test_a_bad_document_number_shows_on_its_row(own):
    documents = [{"kind": "PASSPORT", "number": "A1234567"}, {"kind": "DUI", "number": BAD_DUI}]

    response = client_for(own.caseworker).post(
        LIST, registration(own.programme, documents=documents), format="json"
    )

    assert response.status_code == 400
    rows = response.json()["documents"]
    assert set(rows) == {"1"}  # errors by position in the list
    assert "last digit does not match" in rows["1"]["number"][0]


def test_a_document_listed_twice_is_refused_on_the_second_row(own):
    documents = [{"kind": "DUI", "number": GOOD_DUI}, {"kind": "DUI", "number": "000162975"}]

    response = client_for(own.caseworker).post(
        LIST, registration(own.programme, documents=documents), format="json"
    )

    assert response.status_code == 400
    assert response.json()["documents"] == {"1": {"number": ["This document is listed twice."]}}


def test_more_than_five_documents_are_refused(own):
    documents = [{"kind": "PASSPORT", "number": f"P000000{n}"} for n in range(6)]

    response = client_for(own.caseworker).post(
        LIST, registration(own.programme, documents=documents), format="json"
    )

    assert response.status_code == 400
    assert "documents" in response.json()


def test_a_document_already_registered_leaves_nothing_half_written(own):
    IdentityDocumentFactory(
        participant=own.participant, kind="DUI", number=GOOD_DUI, number_normalized="000162975"
    )
    before = (
        Participant.objects.count(),
        IdentityDocument.objects.count(),
        AuditEvent.objects.count(),
        list(ReferenceSequence.objects.values_list("prefix", "last_value")),
    )
    documents = [{"kind": "PASSPORT", "number": "A7654321"}, {"kind": "DUI", "number": GOOD_DUI}]

    response = client_for(own.caseworker).post(
        LIST, registration(own.programme, documents=documents), format="json"
    )

    assert response.status_code == 400
    rows = response.json()["documents"]
    assert set(rows) == {"1"}
    assert "already registered" in rows["1"]["number"][0]
    after = (
        Participant.objects.count(),
        IdentityDocument.objects.count(),
        AuditEvent.objects.count(),
        list(ReferenceSequence.objects.values_list("prefix", "last_value")),
    )
    assert after == before


def test_registration_in_another_organisations_programme_is_refused(own, other):
    response = client_for(own.caseworker).post(LIST, registration(other.programme), format="json")

    assert response.status_code == 400
    assert response.json()["programme"] == ["Choose one of the programmes you work in."]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_registers(role, own, member_of):
    response = client_for(member_of(role, own)).post(
        LIST, registration(own.programme), format="json"
    )

    assert response.status_code == 201


@pytest.mark.parametrize("role", [Role.PARTNER, *NO_API_ROLES])
def test_other_roles_cannot_register(role, own, member_of):
    response = client_for(member_of(role, own)).post(
        LIST, registration(own.programme), format="json"
    )

    assert response.status_code == 404
    assert not Participant.objects.filter(first_surname="Guardado").exists()


def test_messages_come_in_the_users_language(own):
    body = registration(own.programme)
    del body["sex"]

    english = client_for(own.caseworker).post(LIST, body, format="json")
    spanish = client_for(own.caseworker, language="es").post(LIST, body, format="json")

    assert english.json()["sex"] == ["This field is required."]
    assert spanish.json()["sex"] == ["Este campo es requerido."]
    assert client_for(own.caseworker, language="es").get(
        detail_url(own.participant).replace(str(own.participant.pk), "0" * 32)
    ).json() == {"detail": "No encontrado."}


# --- Corrections --------------------------------------------------------------------------------


def test_a_partial_update_changes_only_what_is_sent(own):
    participant = own.participant
    birth_date = participant.birth_date

    changes = {"phone": "7012-3456", "address": "Barrio El Centro"}

    response = client_for(own.caseworker).patch(detail_url(participant), changes, format="json")

    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.phone == "7012-3456"
    assert participant.phone_national == "70123456"
    assert participant.address == "Barrio El Centro"
    assert participant.birth_date == birth_date
    event = AuditEvent.objects.get(action="participant.updated")
    assert set(event.changes) >= {"phone", "address"}


def test_an_update_that_breaks_a_rule_changes_nothing(own):
    participant = own.participant

    response = client_for(own.caseworker).patch(
        detail_url(participant), {"department": "SV-SS", "phone": "7012-3456"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "municipality": ["This municipality is not in the chosen department."]
    }
    participant.refresh_from_db()
    assert participant.department_id == "SV-PA"
    assert participant.phone == ""
    assert not AuditEvent.objects.filter(action="participant.updated").exists()


def test_an_update_with_an_age_makes_the_birth_date_estimated(own):
    response = client_for(own.caseworker).patch(
        detail_url(own.participant), {"age": 25}, format="json"
    )

    assert response.status_code == 200
    own.participant.refresh_from_db()
    assert own.participant.birth_date_is_estimated is True
    assert response.json()["birth_date"] is None


def test_updating_another_organisations_person_answers_404(own, other):
    response = client_for(own.caseworker).patch(
        detail_url(other.participant), {"phone": "7012-3456"}, format="json"
    )

    assert response.status_code == 404
    other.participant.refresh_from_db()
    assert other.participant.phone == ""


def test_a_visible_person_the_role_may_not_change_answers_403(own, monkeypatch):
    monkeypatch.setattr("arraigo.people.permissions.can_register_participants", lambda user: False)

    response = client_for(own.caseworker).patch(
        detail_url(own.participant), {"phone": "7012-3456"}, format="json"
    )

    assert response.status_code == 403


@pytest.mark.parametrize("body", [[1, 2], "text", 5])
def test_an_update_that_is_not_an_object_is_refused(body, own):
    response = client_for(own.caseworker).patch(detail_url(own.participant), body, format="json")

    assert response.status_code == 400


# --- Search -------------------------------------------------------------------------------------


def test_search_finds_a_name_spelled_another_way(own):
    client = client_for(own.caseworker)
    registered = client.post(LIST, registration(own.programme), format="json").json()

    response = client.post(SEARCH, {"q": "guardao rosa"}, format="json")

    assert response.status_code == 200
    assert response.json()["kind"] == "name"
    assert registered["id"] in ids(response)


def test_search_by_reference_and_document_number(own):
    IdentityDocumentFactory(participant=own.participant, number="B7654321")
    client = client_for(own.caseworker)

    by_reference = client.post(SEARCH, {"q": own.participant.reference.lower()}, format="json")
    by_document = client.post(SEARCH, {"q": "b765 4321"}, format="json")

    assert ids(by_reference) == {str(own.participant.pk)}
    assert by_document.json()["kind"] == "number"
    assert ids(by_document) == {str(own.participant.pk)}


def test_search_never_finds_another_organisations_people(own, other):
    response = client_for(own.caseworker).post(
        SEARCH, {"q": other.participant.reference}, format="json"
    )

    assert response.status_code == 200
    assert str(other.participant.pk) not in ids(response)


@pytest.mark.parametrize("body", [{}, {"q": ""}, {"q": "x" * 121}, {"q": ["a"]}, {"q": None}])
def test_search_needs_a_short_term(body, own):
    response = client_for(own.caseworker).post(SEARCH, body, format="json")

    assert response.status_code == 400
    assert "q" in response.json()


def test_search_terms_are_not_taken_from_the_url(own):
    response = client_for(own.caseworker).get(SEARCH, {"q": own.participant.first_surname})

    assert response.status_code == 405


# --- Bad requests never reach a 500 -------------------------------------------------------------


def test_a_body_that_is_not_json_is_refused(own):
    response = client_for(own.caseworker).post(LIST, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_form_encoded_body_is_refused(own):
    response = client_for(own.caseworker).post(LIST, {"given_names": "Ana"}, format="multipart")

    assert response.status_code == 415


def test_text_that_is_not_valid_unicode_is_refused(own):
    body = '{"q": "\\ud800"}'

    response = client_for(own.caseworker).post(SEARCH, body, content_type="application/json")

    assert response.status_code == 400


def test_a_body_nested_too_deeply_is_refused(own):
    body = "[" * 100_000 + "]" * 100_000

    response = client_for(own.caseworker).post(SEARCH, body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/participants/not-a-uuid/", "/api/participants/1/", "/api/nothing/here/"]
)
def test_malformed_identifiers_answer_a_json_404(path, own):
    response = client_for(own.caseworker).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_without_credentials_the_api_answers_401(own):
    response = client_for(None).get(LIST)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_answers_401(own):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get(LIST).status_code == 401


def test_a_deactivated_users_token_stops_working(own):
    client = client_for(own.caseworker)
    own.caseworker.is_active = False
    own.caseworker.save()

    assert client.get(LIST).status_code == 401


def test_session_authentication_works_and_checks_csrf(own, client):
    client.force_login(own.caseworker)

    assert client.get(LIST).status_code == 200
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(own.caseworker)
    response = strict.post(SEARCH, {"q": "María"}, content_type="application/json")
    assert response.status_code == 403


def test_the_registry_divisions_used_by_the_tests_exist():
    # The registration body above depends on the shipped reference data.
    assert AdministrativeDivision.objects.get(code=LA_PAZ_ESTE).parent_id == "SV-PA"
    assert reverse("api:participants") == LIST


def test_a_nul_character_is_refused_as_unreadable_not_a_server_error(
    db, organisation, programme, make_member
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(
        make_member("CASEWORKER", organisation=organisation, programmes=[programme])
    )
    response = client.post("/api/participants/search/", {"q": "Mar\x00ía"}, format="json")
    assert response.status_code == 400
