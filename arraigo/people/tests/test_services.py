import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.core.audit import REDACTED
from arraigo.core.models import AdministrativeDivision, AuditEvent
from arraigo.people import services
from arraigo.people.models import (
    Consent,
    Enrolment,
    IdentityDocument,
    NameKey,
    Participant,
    PopulationType,
    Relationship,
)
from arraigo.people.selectors import consent_for_sharing
from arraigo.people.services import DocumentDetails, ParticipantDetails

AT = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 30))
MUNICIPALITY_CODE = "SV-PA-la-paz-este"


def details(**overrides) -> ParticipantDetails:
    municipality = AdministrativeDivision.objects.get(code=MUNICIPALITY_CODE)
    values = {
        "given_names": "María José",
        "first_surname": "Hernández",
        "second_surname": "López",
        "sex": "FEMALE",
        "birth_date": datetime.date(1991, 4, 2),
        "nationality": "SV",
        "country": "SV",
        "department": municipality.parent,
        "municipality": municipality,
        "district": municipality.children.first(),
        "population_type": PopulationType.RETURNEE,
        "returned_on": datetime.date(2026, 10, 1),
        "returned_from": "US",
        "phone": "+503 7012-3456",
    }
    values.update(overrides)
    return ParticipantDetails(**values)


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


def register(caseworker, programme, **kwargs):
    kwargs.setdefault("details", details())
    kwargs.setdefault("documents", [DocumentDetails(kind="DUI", number="00016297-5")])
    return services.participant_register(by=caseworker, at=AT, programme=programme, **kwargs)


def test_registration_writes_the_person_and_everything_around_it(caseworker, programme):
    participant = register(caseworker, programme, household_size=4, household_dependants=2)

    assert participant.reference == "SV-2026-000001"
    assert participant.organisation == programme.organisation
    assert participant.phone_national == "70123456"
    assert participant.search_name == "maria jose hernandez lopez"
    assert set(NameKey.objects.filter(participant=participant).values_list("key", flat=True)) == {
        "maria",
        "jose",
        "ernan",
        "lopes",
    }
    assert IdentityDocument.objects.get(participant=participant).number_normalized == "000162975"
    assert Enrolment.objects.filter(participant=participant, programme=programme).exists()
    assert participant.household.head == participant
    assert participant.relationship_to_head == Relationship.HEAD
    actions = set(
        AuditEvent.objects.filter(data_subject_id=participant.pk).values_list("action", flat=True)
    )
    assert actions == {
        "participant.registered",
        "identity_document.added",
        "participant.enrolled",
        "household.created",
    }


def test_references_follow_each_other(caseworker, programme):
    first = register(caseworker, programme, documents=[])
    second = register(caseworker, programme, documents=[])
    assert (first.reference, second.reference) == ("SV-2026-000001", "SV-2026-000002")


def test_a_returnee_needs_a_return_date_and_nothing_is_written(caseworker, programme):
    with pytest.raises(ValidationError) as error:
        register(caseworker, programme, details=details(returned_on=None))
    assert "returned_on" in error.value.message_dict
    assert Participant.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_municipality_must_be_in_the_department(caseworker, programme):
    other_department = AdministrativeDivision.objects.get(code="SV-SS")
    with pytest.raises(ValidationError) as error:
        register(caseworker, programme, details=details(department=other_department))
    assert "municipality" in error.value.message_dict


def test_dates_in_the_future_are_refused(caseworker, programme):
    with pytest.raises(ValidationError) as error:
        register(
            caseworker,
            programme,
            details=details(
                birth_date=datetime.date(2027, 1, 1),
                returned_on=None,
                population_type=PopulationType.HOST_COMMUNITY,
            ),
        )
    assert "birth_date" in error.value.message_dict


def test_a_document_already_registered_stops_the_whole_registration(caseworker, programme):
    register(caseworker, programme)
    with pytest.raises(services.DocumentAlreadyRegistered) as error:
        register(
            caseworker,
            programme,
            details=details(given_names="Otra"),
            documents=[DocumentDetails(kind="DUI", number="000162975")],
        )
    assert error.value.number_normalized == "000162975"
    assert Participant.objects.count() == 1


def test_an_invalid_document_number_is_refused_at_the_number(caseworker, programme):
    with pytest.raises(ValidationError) as error:
        register(
            caseworker, programme, documents=[DocumentDetails(kind="DUI", number="00016297-4")]
        )
    assert "number" in error.value.message_dict
    assert Participant.objects.count() == 0


def test_disability_is_derived_from_the_washington_group_answers(caseworker, programme):
    some = register(
        caseworker,
        programme,
        documents=[],
        details=details(disability_answers={"SEEING": 2, "MOBILITY": 2}),
    )
    a_lot = register(
        caseworker,
        programme,
        documents=[],
        details=details(disability_answers={"SEEING": 1, "MOBILITY": 3}),
    )
    assert (some.has_disability, a_lot.has_disability) == (False, True)


def test_an_answer_outside_the_scale_is_refused(caseworker, programme):
    with pytest.raises(ValidationError) as error:
        register(
            caseworker, programme, documents=[], details=details(disability_answers={"SEEING": 7})
        )
    assert "disability_answers" in error.value.message_dict


def test_update_records_what_changed_and_redacts_sensitive_values(caseworker, programme):
    participant = register(caseworker, programme, documents=[])
    services.participant_update(
        participant=participant,
        by=caseworker,
        at=AT,
        details=details(first_surname="Hernandes", gender_identity="WOMAN"),
    )
    event = AuditEvent.objects.get(action="participant.updated")
    assert event.changes["first_surname"] == ["Hernández", "Hernandes"]
    assert event.changes["gender_identity"] == [REDACTED, REDACTED]
    assert Participant.objects.get().search_name == "maria jose hernandes lopez"


def test_estimated_birth_date_is_within_the_age():
    on = datetime.date(2026, 11, 25)
    born = services.birth_date_from_age(age=30, on=on)
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    assert age == 30


def test_joining_a_household(caseworker, programme):
    head = register(caseworker, programme, documents=[], household_size=3)
    child = register(caseworker, programme, documents=[], details=details(given_names="Ana"))
    household = services.household_set(
        participant=child,
        by=caseworker,
        at=AT,
        size=3,
        dependants=1,
        head_of=head,
        relationship=Relationship.CHILD,
    )
    child.refresh_from_db()
    assert child.household == household == head.household
    assert household.dependants == 1


def test_joining_needs_a_relationship(caseworker, programme):
    head = register(caseworker, programme, documents=[], household_size=3)
    other = register(caseworker, programme, documents=[], details=details(given_names="Ana"))
    with pytest.raises(ValidationError):
        services.household_set(
            participant=other,
            by=caseworker,
            at=AT,
            size=3,
            dependants=0,
            head_of=head,
            relationship="",
        )


def test_consent_in_force_only_between_given_and_withdrawn(
    caseworker, programme, other_organisation
):
    participant = register(caseworker, programme, documents=[])
    consent = services.consent_record(
        participant=participant,
        purpose=Consent.Purpose.REFERRAL,
        organisations=[other_organisation],
        method=Consent.Method.SIGNED,
        given_on=datetime.date(2026, 11, 1),
        expires_on=datetime.date(2027, 11, 1),
        by=caseworker,
        at=AT,
    )

    def allowed(on, organisation=other_organisation, purpose=Consent.Purpose.REFERRAL):
        return consent_for_sharing(
            participant=participant, purpose=purpose, organisation=organisation, on=on
        )

    assert allowed(datetime.date(2026, 11, 20)) == consent
    assert allowed(datetime.date(2026, 10, 31)) is None  # before it was given
    assert allowed(datetime.date(2027, 11, 2)) is None  # expired
    assert allowed(datetime.date(2026, 11, 20), organisation=programme.organisation) is None
    assert allowed(datetime.date(2026, 11, 20), purpose=Consent.Purpose.EMPLOYMENT) is None
    services.consent_withdraw(consent=consent, on=datetime.date(2026, 11, 15), by=caseworker, at=AT)
    assert allowed(datetime.date(2026, 11, 20)) is None
    assert allowed(datetime.date(2026, 11, 14)) == consent


def test_a_consent_cannot_be_withdrawn_twice(caseworker, programme):
    participant = register(caseworker, programme, documents=[])
    consent = services.consent_record(
        participant=participant,
        purpose=Consent.Purpose.FOLLOW_UP,
        organisations=[],
        method=Consent.Method.VERBAL,
        given_on=datetime.date(2026, 11, 1),
        expires_on=None,
        by=caseworker,
        at=AT,
    )
    services.consent_withdraw(consent=consent, on=datetime.date(2026, 11, 2), by=caseworker, at=AT)
    with pytest.raises(services.ConsentNotWithdrawable):
        services.consent_withdraw(
            consent=consent, on=datetime.date(2026, 11, 3), by=caseworker, at=AT
        )


def test_consent_dates_are_checked(caseworker, programme):
    participant = register(caseworker, programme, documents=[])
    with pytest.raises(ValidationError) as error:
        services.consent_record(
            participant=participant,
            purpose=Consent.Purpose.REFERRAL,
            organisations=[],
            method=Consent.Method.SIGNED,
            given_on=datetime.date(2026, 11, 10),
            expires_on=datetime.date(2026, 11, 10),
            by=caseworker,
            at=AT,
        )
    assert "expires_on" in error.value.message_dict
    assert Consent.objects.count() == 0
