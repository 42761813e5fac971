"""Referrals through the API: staff send and follow, partners answer and see the minimum."""

import datetime

import pytest
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.accounts.tests.factories import OrganisationFactory
from arraigo.api.tests.conftest import NO_API_ROLES, STAFF_ROLES, client_for
from arraigo.core.models import AuditEvent
from arraigo.people.tests.factories import IdentityDocumentFactory
from arraigo.referrals.models import Referral
from arraigo.referrals.tests.factories import ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db

LIST = "/api/referrals/"
# Everything partner staff get about a referral, and nothing more.
PARTNER_KEYS = {
    "id",
    "reference",
    "status",
    "urgency",
    "service",
    "referred_by",
    "person",
    "reason",
    "sent_at",
    "answer_due_on",
    "responded_at",
    "follow_up_on",
    "completed_at",
    "cancelled_at",
    "decline_reason",
    "outcome",
    "due_on",
    "is_overdue",
}
PERSON_KEYS = {"full_name", "sex", "age", "phone", "municipality"}


def url(referral, tail: str = "") -> str:
    return f"/api/referrals/{referral.pk}/{tail}"


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


def today() -> datetime.date:
    return timezone.localdate()


def sending(side, **overrides) -> dict:
    body = {
        "case": str(side.case.pk),
        "provider": str(side.provider.pk),
        "service": str(ServiceFactory(provider=side.provider).pk),
        "urgency": "URGENT",
        "reason": "Ansiedad desde el retorno; pide apoyo psicológico.",
    }
    body.update(overrides)
    return body


# --- Who sees which referrals -------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_list_the_referrals_of_their_cases(role, own, other, member_of):
    response = client_for(member_of(role, own)).get(LIST)

    assert response.status_code == 200
    assert ids(response) == {str(own.referral.pk)}


def test_partners_list_only_the_referrals_sent_to_them(own, other):
    response = client_for(own.partner).get(LIST)

    assert ids(response) == {str(own.referral.pk)}
    row = response.json()["results"][0]
    assert set(row) == PARTNER_KEYS - {"reason"}
    assert set(row["person"]) == PERSON_KEYS
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


@pytest.mark.parametrize("role", NO_API_ROLES)
def test_roles_without_the_api_find_no_referrals(role, own, member_of):
    client = client_for(member_of(role, own))

    assert client.get(LIST).status_code == 404
    assert client.get(url(own.referral)).status_code == 404


@pytest.mark.parametrize("role", [*STAFF_ROLES, Role.PARTNER])
@pytest.mark.parametrize(("side", "expected"), [("own", 200), ("other", 404)])
def test_retrieve_by_role_and_organisation(role, side, expected, own, other, member_of):
    referral = {"own": own, "other": other}[side].referral

    response = client_for(member_of(role, own)).get(url(referral))

    assert response.status_code == expected


def test_a_partner_gets_the_minimum_and_never_documents_address_or_notes(own):
    participant = own.participant
    participant.address = "Colonia Las Flores, pasaje 3"
    participant.phone = "7012-3456"
    participant.gender_identity = "WOMAN"
    participant.save()
    IdentityDocumentFactory(participant=participant, number="A1234567")
    own.referral.answer_note = "Nota interna"
    own.referral.save()

    response = client_for(own.partner).get(url(own.referral))

    body = response.json()
    assert set(body) == PARTNER_KEYS
    assert body["person"] == {
        "full_name": participant.full_name,
        "sex": "FEMALE",
        "age": body["person"]["age"],
        "phone": "7012-3456",
        "municipality": "La Paz Este",
    }
    assert body["reason"] == own.referral.reason
    assert body["referred_by"] == str(own.organisation)
    text = response.content.decode()
    for secret in ("Colonia Las Flores", "A1234567", "Nota interna", str(participant.pk)):
        assert secret not in text


def test_staff_get_the_whole_referral(own):
    body = client_for(own.caseworker).get(url(own.referral)).json()

    assert body["reason"] == own.referral.reason
    assert body["consent"]["id"] == str(own.consent.pk)
    assert body["participant"]["reference"] == own.participant.reference
    assert body["case"] == str(own.case.pk)


@pytest.mark.parametrize("who", ["caseworker", "partner"])
def test_reading_a_referral_is_audited(who, own):
    user = getattr(own, who)

    client_for(user).get(url(own.referral))

    read = AuditEvent.objects.get(kind=AuditEvent.Kind.READ)
    assert (read.action, read.actor, read.target_id) == (
        "referral.read",
        user,
        str(own.referral.pk),
    )


def test_a_withdrawn_consent_hides_the_referral_from_the_partner(own):
    own.consent.withdrawn_on = today()
    own.consent.save()

    assert client_for(own.partner).get(url(own.referral)).status_code == 404
    assert client_for(own.caseworker).get(url(own.referral)).status_code == 200


def test_filters_by_status_case_and_overdue(own):
    client = client_for(own.caseworker)

    assert ids(client.get(LIST, {"status": "OPEN"})) == {str(own.referral.pk)}
    assert ids(client.get(LIST, {"status": "COMPLETED"})) == set()
    assert ids(client.get(LIST, {"case": own.case.pk})) == {str(own.referral.pk)}
    assert ids(client.get(LIST, {"overdue": "true"})) == {str(own.referral.pk)}  # due in April
    assert client.get(LIST, {"status": "LOST"}).status_code == 400


def test_a_filter_on_another_organisations_case_is_refused(own, other):
    response = client_for(own.caseworker).get(LIST, {"case": other.case.pk})

    assert response.status_code == 400
    assert response.json() == {"case": ["Choose a case you can see."]}


# --- Sending ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_send_a_referral_with_consent(role, own, member_of):
    user = member_of(role, own)

    response = client_for(user).post(LIST, sending(own))

    assert response.status_code == 201
    referral = Referral.objects.get(pk=response.json()["id"])
    assert referral.status == Referral.Status.SENT
    assert referral.consent == own.consent
    assert referral.answer_due_on == today() + datetime.timedelta(days=2)
    assert AuditEvent.objects.filter(
        action="referral.sent", target_id=str(referral.pk), actor=user
    ).exists()


def test_without_consent_nothing_is_sent(own):
    own.consent.withdrawn_on = today()
    own.consent.save()
    before = (Referral.objects.count(), AuditEvent.objects.count())

    response = client_for(own.caseworker).post(LIST, sending(own))

    assert response.status_code == 400
    assert "no consent in force" in response.json()["non_field_errors"][0]
    assert (Referral.objects.count(), AuditEvent.objects.count()) == before


def test_partners_do_not_send_referrals(own):
    response = client_for(own.partner).post(LIST, sending(own))

    assert response.status_code == 403
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("role", NO_API_ROLES)
def test_roles_without_the_api_send_nothing(role, own, member_of):
    assert client_for(member_of(role, own)).post(LIST, sending(own)).status_code == 404


def test_sending_refusals_name_the_field(own, other):
    foreign_service = ServiceFactory(provider=other.provider)
    client = client_for(own.caseworker)

    other_case = client.post(LIST, sending(own, case=str(other.case.pk)))
    other_provider = client.post(LIST, sending(own, provider=str(other.provider.pk)))
    other_service = client.post(LIST, sending(own, service=str(foreign_service.pk)))
    no_reason = client.post(LIST, sending(own, reason="   "))
    bad_urgency = client.post(LIST, sending(own, urgency="NOW"))

    assert other_case.json() == {"case": ["Choose a case you can see."]}
    assert other_provider.json() == {"provider": ["Choose a provider of your service directory."]}
    assert other_service.json() == {"service": ["Choose a service of the provider."]}
    assert "reason" in no_reason.json()
    assert "urgency" in bad_urgency.json()
    assert Referral.objects.count() == 2


def test_a_service_of_another_provider_of_the_directory_is_refused(own):
    second = ProviderFactory(owner=own.organisation)
    service = ServiceFactory(provider=second)

    response = client_for(own.caseworker).post(LIST, sending(own, service=str(service.pk)))

    assert response.status_code == 400
    assert "does not offer this service" in response.json()["service"][0]


def test_a_second_open_referral_to_the_same_service_is_refused(own):
    body = sending(own, service=str(own.service.pk))

    response = client_for(own.caseworker).post(LIST, body)

    assert response.status_code == 400
    assert "already has an open referral" in response.json()["service"][0]


# --- Answering, completing, cancelling --------------------------------------------------------


def test_the_partner_accepts_then_completes(own):
    client = client_for(own.partner)
    follow_up = (today() + datetime.timedelta(days=10)).isoformat()

    accepted = client.post(url(own.referral, "accept/"), {"follow_up_on": follow_up})
    completed = client.post(
        url(own.referral, "complete/"), {"outcome": "RECEIVED", "note": "Tres sesiones."}
    )

    assert accepted.json()["status"] == "ACCEPTED"
    assert accepted.json()["follow_up_on"] == follow_up
    assert completed.json()["status"] == "COMPLETED"
    own.referral.refresh_from_db()
    assert own.referral.outcome_note == "Tres sesiones."
    assert {"referral.accepted", "referral.completed"} <= set(
        AuditEvent.objects.filter(target_id=str(own.referral.pk)).values_list("action", flat=True)
    )


def test_the_partner_declines_saying_why(own):
    client = client_for(own.partner)

    without_note = client.post(url(own.referral, "decline/"), {"decline_reason": "OTHER"})
    declined = client.post(
        url(own.referral, "decline/"), {"decline_reason": "NO_CAPACITY", "note": ""}
    )

    assert without_note.status_code == 400
    assert "note" in without_note.json()
    assert declined.json()["status"] == "DECLINED"
    assert declined.json()["decline_reason"] == "NO_CAPACITY"


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize("tail", ["accept/", "decline/", "complete/"])
def test_staff_may_not_answer_for_the_provider(role, tail, own, member_of):
    body = {"decline_reason": "NO_CAPACITY", "outcome": "RECEIVED", "note": "x"}

    response = client_for(member_of(role, own)).post(url(own.referral, tail), body)

    assert response.status_code == 403
    own.referral.refresh_from_db()
    assert own.referral.status == Referral.Status.SENT


@pytest.mark.parametrize("tail", ["accept/", "decline/", "complete/", "cancel/"])
def test_another_partner_finds_no_such_referral(tail, own, other):
    body = {"decline_reason": "NO_CAPACITY", "outcome": "RECEIVED", "note": "x"}

    response = client_for(other.partner).post(url(own.referral, tail), body)

    assert response.status_code == 404
    own.referral.refresh_from_db()
    assert own.referral.status == Referral.Status.SENT


def test_a_partner_of_an_unrelated_organisation_sees_nothing(own, make_member):
    stranger = make_member(Role.PARTNER, organisation=OrganisationFactory(reference_prefix=None))

    assert ids(client_for(stranger).get(LIST)) == set()
    assert client_for(stranger).get(url(own.referral)).status_code == 404


@pytest.mark.parametrize(
    ("tail", "body", "field"),
    [
        ("accept/", {"follow_up_on": "2000-01-01"}, "follow_up_on"),
        ("accept/", {"follow_up_on": "tomorrow"}, "follow_up_on"),
        ("accept/", {"note": "x" * 2001}, "note"),
        ("decline/", {}, "decline_reason"),
        ("complete/", {"outcome": "RECEIVED", "note": "x"}, "non_field_errors"),
    ],
)
def test_answer_refusals_change_nothing(tail, body, field, own):
    response = client_for(own.partner).post(url(own.referral, tail), body)

    assert response.status_code == 400
    assert field in response.json()
    own.referral.refresh_from_db()
    assert own.referral.status == Referral.Status.SENT


def test_staff_cancel_with_a_reason_and_partners_may_not(own):
    by_partner = client_for(own.partner).post(url(own.referral, "cancel/"), {"note": "x"})
    without_reason = client_for(own.caseworker).post(url(own.referral, "cancel/"), {})
    cancelled = client_for(own.caseworker).post(
        url(own.referral, "cancel/"), {"note": "Se mudó a otro departamento."}
    )
    again = client_for(own.caseworker).post(url(own.referral, "cancel/"), {"note": "x"})

    assert by_partner.status_code == 403
    assert without_reason.json() == {"note": ["This field is required."]}
    assert cancelled.json()["status"] == "CANCELLED"
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="referral.cancelled").count() == 1


def test_staff_of_another_organisation_cannot_cancel(own, other):
    response = client_for(other.caseworker).post(url(own.referral, "cancel/"), {"note": "x"})

    assert response.status_code == 404
    own.referral.refresh_from_db()
    assert own.referral.status == Referral.Status.SENT


# --- The service directory ----------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_read_their_own_directory_only(role, own, other, member_of):
    client = client_for(member_of(role, own))

    listed = client.get("/api/providers/")
    mine = client.get(f"/api/providers/{own.provider.pk}/")
    theirs = client.get(f"/api/providers/{other.provider.pk}/")

    assert ids(listed) == {str(own.provider.pk)}
    assert mine.json()["services"][0]["id"] == str(own.service.pk)
    assert mine.json()["organisation"]["id"] == str(own.partner_organisation.pk)
    assert theirs.status_code == 404


@pytest.mark.parametrize("role", [Role.PARTNER, *NO_API_ROLES])
def test_the_directory_is_for_staff(role, own, member_of):
    client = client_for(member_of(role, own))

    assert client.get("/api/providers/").status_code == 404
    assert client.get(f"/api/providers/{own.provider.pk}/").status_code == 404


def test_the_directory_is_searched_by_name_category_and_municipality(own):
    client = client_for(own.caseworker)
    municipality = own.participant.municipality_id

    assert ids(client.get("/api/providers/", {"q": own.service.name[:8]})) == {str(own.provider.pk)}
    assert ids(client.get("/api/providers/", {"category": "LEGAL"})) == set()
    assert ids(client.get("/api/providers/", {"municipality": municipality})) == {
        str(own.provider.pk)
    }
    refused = client.get("/api/providers/", {"municipality": "SV-PA", "category": "MAGIC"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"municipality", "category"}


def test_a_cases_providers_say_whether_they_cover_the_person_and_have_consent(own):
    elsewhere = ProviderFactory(owner=own.organisation, name="Albergue")
    ServiceFactory(provider=elsewhere)

    response = client_for(own.caseworker).get(f"/api/cases/{own.case.pk}/providers/")

    rows = response.json()
    assert [row["id"] for row in rows] == [str(own.provider.pk), str(elsewhere.pk)]
    assert (rows[0]["covers_participant"], rows[0]["consent_in_force"]) == (True, True)
    assert (rows[1]["covers_participant"], rows[1]["consent_in_force"]) == (False, False)


def test_another_organisations_case_has_no_providers_for_you(own, other):
    response = client_for(own.caseworker).get(f"/api/cases/{other.case.pk}/providers/")

    assert response.status_code == 404
