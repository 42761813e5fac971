import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from arraigo.accounts.models import Organisation, Role
from arraigo.cases.models import Case
from arraigo.core.audit import REDACTED
from arraigo.core.models import AdministrativeDivision, AuditEvent
from arraigo.people.models import Consent
from arraigo.referrals import services
from arraigo.referrals.models import Provider, Referral, Service
from arraigo.referrals.tests.conftest import NOW, TODAY
from arraigo.referrals.tests.factories import ConsentFactory, ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def send(world, **overrides):
    arguments = {
        "case": world.case,
        "provider": world.provider,
        "service": world.service,
        "reason": "Ansiedad después del retorno; pide atención psicológica.",
        "urgency": Referral.Urgency.ROUTINE,
        "by": world.caseworker,
        "at": NOW,
    }
    arguments.update(overrides)
    return services.referral_send(**arguments)


def events(action):
    return AuditEvent.objects.filter(action=action)


# --- Sending -----------------------------------------------------------------------------------


def test_send_records_the_referral_with_the_consent_that_allowed_it(world):
    referral = send(world)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    assert referral.consent == world.consent
    assert referral.sent_at == NOW
    assert referral.sent_by == world.caseworker
    assert referral.reference == "RSV-2026-000001"
    assert referral.reason.startswith("Ansiedad")


@pytest.mark.parametrize(
    ("urgency", "days"),
    [
        (Referral.Urgency.URGENT, 2),
        (Referral.Urgency.PRIORITY, 5),
        (Referral.Urgency.ROUTINE, 10),
    ],
)
def test_answer_is_due_according_to_urgency(world, urgency, days):
    referral = send(world, urgency=urgency)

    assert referral.answer_due_on == TODAY + datetime.timedelta(days=days)


def test_send_writes_an_audit_event_on_the_case_timeline_without_the_reason(world):
    referral = send(world)

    event = events("referral.sent").get()
    assert event.target_id == str(referral.pk)
    assert event.case_id == world.case.pk
    assert event.data_subject_id == world.case.participant_id
    assert event.organisation_id == world.organisation.pk
    assert event.actor == world.caseworker
    assert event.changes["reason"] == [REDACTED, REDACTED]
    assert event.changes["status"] == [None, "SENT"]


def test_reason_is_encrypted_at_rest(world):
    referral = send(world)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM referrals_referral WHERE id = %s", [referral.pk.hex])
        row = cursor.fetchone()
    if row is None:  # PostgreSQL stores UUIDs natively
        with connection.cursor() as cursor:
            cursor.execute("SELECT reason FROM referrals_referral WHERE id = %s", [referral.pk])
            row = cursor.fetchone()
    assert "Ansiedad" not in row[0]


def _assert_nothing_written():
    assert not Referral.objects.exists()
    assert not events("referral.sent").exists()


def test_no_consent_refuses_and_writes_nothing(world):
    world.consent.delete()

    with pytest.raises(services.ConsentMissing) as error:
        send(world)

    assert world.partner_organisation.name in str(error.value.message)
    _assert_nothing_written()


def test_expired_consent_refuses(world):
    Consent.objects.filter(pk=world.consent.pk).update(
        expires_on=TODAY - datetime.timedelta(days=1)
    )

    with pytest.raises(services.ConsentMissing):
        send(world)
    _assert_nothing_written()


def test_consent_expiring_today_still_allows(world):
    Consent.objects.filter(pk=world.consent.pk).update(expires_on=TODAY)

    assert send(world).consent == world.consent


def test_withdrawn_consent_refuses(world):
    Consent.objects.filter(pk=world.consent.pk).update(withdrawn_on=TODAY)

    with pytest.raises(services.ConsentMissing):
        send(world)
    _assert_nothing_written()


def test_consent_for_another_organisation_refuses(world, other_organisation):
    world.consent.organisations.set([other_organisation])

    with pytest.raises(services.ConsentMissing):
        send(world)
    _assert_nothing_written()


def test_consent_for_another_purpose_refuses(world):
    Consent.objects.filter(pk=world.consent.pk).update(purpose=Consent.Purpose.EMPLOYMENT)

    with pytest.raises(services.ConsentMissing):
        send(world)


def test_consent_given_after_the_day_refuses(world):
    Consent.objects.filter(pk=world.consent.pk).update(given_on=TODAY + datetime.timedelta(days=1))

    with pytest.raises(services.ConsentMissing):
        send(world)


def test_the_newest_consent_in_force_is_stored(world):
    newer = ConsentFactory(
        participant=world.case.participant,
        given_on=datetime.date(2026, 4, 1),
        organisations=[world.partner_organisation],
    )

    assert send(world).consent == newer


def test_closed_case_cannot_refer(world):
    Case.objects.filter(pk=world.case.pk).update(
        status=Case.Status.CLOSED, closed_on=TODAY, closure_reason=Case.ClosureReason.WITHDREW
    )
    world.case.refresh_from_db()

    with pytest.raises(services.CaseClosed):
        send(world)
    _assert_nothing_written()


def test_inactive_provider_refuses(world):
    Provider.objects.filter(pk=world.provider.pk).update(is_active=False)
    world.provider.refresh_from_db()

    with pytest.raises(services.ProviderInactive) as error:
        send(world)
    assert error.value.field == "provider"


def test_provider_whose_organisation_left_the_platform_refuses(world):
    Organisation.objects.filter(pk=world.partner_organisation.pk).update(is_active=False)
    world.provider.organisation.refresh_from_db()

    with pytest.raises(services.ProviderInactive):
        send(world)
    _assert_nothing_written()


def test_provider_of_another_directory_refuses(world, other_organisation):
    elsewhere = ProviderFactory(owner=other_organisation, organisation=world.partner_organisation)
    service = ServiceFactory(provider=elsewhere)

    with pytest.raises(services.ProviderInactive):
        send(world, provider=elsewhere, service=service)


def test_service_must_belong_to_the_provider(world):
    other_service = ServiceFactory(provider=ProviderFactory(owner=world.organisation))

    with pytest.raises(services.ServiceNotOffered) as error:
        send(world, service=other_service)
    assert error.value.field == "service"
    _assert_nothing_written()


def test_service_no_longer_offered_refuses(world):
    Service.objects.filter(pk=world.service.pk).update(is_active=False)
    world.service.refresh_from_db()

    with pytest.raises(services.ServiceNotOffered):
        send(world)


def test_reason_is_required(world):
    with pytest.raises(ValidationError) as error:
        send(world, reason="   ")
    assert "reason" in error.value.message_dict
    _assert_nothing_written()


def test_unknown_urgency_is_refused(world):
    with pytest.raises(ValidationError) as error:
        send(world, urgency="WHENEVER")
    assert "urgency" in error.value.message_dict


def test_a_second_open_referral_to_the_same_service_is_refused(world):
    send(world)

    with pytest.raises(services.ReferralAlreadyOpen):
        send(world)
    assert Referral.objects.count() == 1


def test_a_declined_referral_can_be_sent_again(world):
    first = send(world)
    services.referral_decline(
        referral=first, reason=Referral.DeclineReason.NO_CAPACITY, by=world.partner, at=NOW
    )

    second = send(world)

    assert second.pk != first.pk
    assert second.reference == "RSV-2026-000002"


# --- Answering ---------------------------------------------------------------------------------


def test_partner_accepts_with_a_default_follow_up(world):
    referral = send(world)
    later = NOW + datetime.timedelta(hours=3)

    services.referral_accept(
        referral=referral, note="Cita el 10 de abril", by=world.partner, at=later
    )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.responded_at == later
    assert referral.responded_by == world.partner
    assert referral.follow_up_on == TODAY + datetime.timedelta(days=30)
    assert referral.answer_note == "Cita el 10 de abril"
    event = events("referral.accepted").get()
    assert event.case_id == world.case.pk
    assert event.actor == world.partner
    assert event.changes["status"] == ["SENT", "ACCEPTED"]
    assert event.changes["answer_note"] == [REDACTED, REDACTED]


def test_partner_chooses_the_follow_up_date(world):
    referral = send(world)

    services.referral_accept(
        referral=referral, follow_up_on=datetime.date(2026, 4, 20), by=world.partner, at=NOW
    )

    assert Referral.objects.get().follow_up_on == datetime.date(2026, 4, 20)


@pytest.mark.parametrize("days", [-1, 400])
def test_follow_up_must_be_within_a_year_from_today(world, days):
    referral = send(world)

    with pytest.raises(ValidationError) as error:
        services.referral_accept(
            referral=referral,
            by=world.partner,
            at=NOW,
            follow_up_on=TODAY + datetime.timedelta(days=days),
        )
    assert "follow_up_on" in error.value.message_dict
    assert Referral.objects.get().status == Referral.Status.SENT


def test_answering_twice_is_refused(world):
    referral = send(world)
    services.referral_accept(referral=referral, by=world.partner, at=NOW)

    with pytest.raises(services.ReferralNotAnswerable):
        services.referral_accept(referral=referral, by=world.partner, at=NOW)
    with pytest.raises(services.ReferralNotAnswerable):
        services.referral_decline(
            referral=referral, reason=Referral.DeclineReason.NO_CAPACITY, by=world.partner, at=NOW
        )
    assert events("referral.accepted").count() == 1
    assert not events("referral.declined").exists()


def test_partner_of_another_organisation_cannot_answer(world, make_member, other_organisation):
    referral = send(world)
    stranger = make_member(Role.PARTNER, organisation=other_organisation)

    with pytest.raises(services.ReferralNotAddressedToYou):
        services.referral_accept(referral=referral, by=stranger, at=NOW)
    with pytest.raises(services.ReferralNotAddressedToYou):
        services.referral_decline(
            referral=referral, reason=Referral.DeclineReason.NOT_ELIGIBLE, by=stranger, at=NOW
        )
    assert Referral.objects.get().status == Referral.Status.SENT


def test_the_referring_caseworker_cannot_answer_for_the_provider(world):
    referral = send(world)

    with pytest.raises(services.ReferralNotAddressedToYou):
        services.referral_accept(referral=referral, by=world.caseworker, at=NOW)


def test_decline_records_the_reason(world):
    referral = send(world)

    services.referral_decline(
        referral=referral,
        reason=Referral.DeclineReason.OUT_OF_AREA,
        note="Atendemos solo Zacatecoluca",
        by=world.partner,
        at=NOW,
    )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert referral.decline_reason == Referral.DeclineReason.OUT_OF_AREA
    assert referral.follow_up_on is None
    assert events("referral.declined").get().changes["decline_reason"] == [
        "",
        "OUT_OF_AREA",
    ]


@pytest.mark.parametrize("reason", ["", "BECAUSE"])
def test_decline_needs_a_known_reason(world, reason):
    referral = send(world)

    with pytest.raises(ValidationError) as error:
        services.referral_decline(referral=referral, reason=reason, by=world.partner, at=NOW)
    assert "decline_reason" in error.value.message_dict
    assert Referral.objects.get().status == Referral.Status.SENT


def test_other_reason_needs_a_note(world):
    referral = send(world)

    with pytest.raises(ValidationError) as error:
        services.referral_decline(
            referral=referral,
            reason=Referral.DeclineReason.OTHER,
            note=" ",
            by=world.partner,
            at=NOW,
        )
    assert "note" in error.value.message_dict


# --- Completing and cancelling -----------------------------------------------------------------


def test_partner_completes_an_accepted_referral(world):
    referral = send(world)
    services.referral_accept(referral=referral, by=world.partner, at=NOW)

    services.referral_complete(
        referral=referral,
        outcome=Referral.Outcome.RECEIVED,
        note="Cuatro sesiones",
        by=world.partner,
        at=NOW,
    )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert referral.completed_by == world.partner
    assert referral.outcome_note == "Cuatro sesiones"
    assert events("referral.completed").get().case_id == world.case.pk


def test_only_an_accepted_referral_can_be_completed(world):
    referral = send(world)

    with pytest.raises(services.ReferralNotCompletable):
        services.referral_complete(
            referral=referral, outcome=Referral.Outcome.RECEIVED, note="x", by=world.partner, at=NOW
        )
    assert not events("referral.completed").exists()


def test_completing_needs_outcome_and_note(world):
    referral = send(world)
    services.referral_accept(referral=referral, by=world.partner, at=NOW)

    with pytest.raises(ValidationError) as error:
        services.referral_complete(
            referral=referral, outcome="", note="x", by=world.partner, at=NOW
        )
    assert "outcome" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.referral_complete(
            referral=referral, outcome=Referral.Outcome.RECEIVED, note="", by=world.partner, at=NOW
        )
    assert "note" in error.value.message_dict


def test_partner_of_another_organisation_cannot_complete(world, make_member, other_organisation):
    referral = send(world)
    services.referral_accept(referral=referral, by=world.partner, at=NOW)
    stranger = make_member(Role.PARTNER, organisation=other_organisation)

    with pytest.raises(services.ReferralNotAddressedToYou):
        services.referral_complete(
            referral=referral, outcome=Referral.Outcome.RECEIVED, note="x", by=stranger, at=NOW
        )


@pytest.mark.parametrize("accepted_first", [False, True])
def test_sender_cancels_an_open_referral(world, accepted_first):
    referral = send(world)
    if accepted_first:
        services.referral_accept(referral=referral, by=world.partner, at=NOW)

    services.referral_cancel(
        referral=referral, note="La persona se mudó", by=world.caseworker, at=NOW
    )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.CANCELLED
    assert referral.cancelled_by == world.caseworker
    assert events("referral.cancelled").get().case_id == world.case.pk


def test_partner_cannot_cancel(world):
    referral = send(world)

    with pytest.raises(services.ReferralNotCancellable):
        services.referral_cancel(referral=referral, note="x", by=world.partner, at=NOW)


def test_a_closed_referral_cannot_be_cancelled(world):
    referral = send(world)
    services.referral_decline(
        referral=referral, reason=Referral.DeclineReason.NO_CAPACITY, by=world.partner, at=NOW
    )

    with pytest.raises(services.ReferralNotCancellable):
        services.referral_cancel(referral=referral, note="x", by=world.caseworker, at=NOW)


def test_cancelling_needs_a_reason(world):
    referral = send(world)

    with pytest.raises(ValidationError) as error:
        services.referral_cancel(referral=referral, note="", by=world.caseworker, at=NOW)
    assert "note" in error.value.message_dict
    assert Referral.objects.get().status == Referral.Status.SENT


def test_reads_are_recorded_without_content(world):
    referral = send(world)

    assert services.referral_record_read(referrals=[referral], by=world.partner, at=NOW) == 1

    event = events("referral.read").get()
    assert event.kind == AuditEvent.Kind.READ
    assert event.actor == world.partner
    assert event.case_id == world.case.pk
    assert event.changes is None


# --- Directory ---------------------------------------------------------------------------------


def _details(**overrides):
    values = {
        "name": "Centro de Formación Profesional",
        "kind": Provider.Kind.VOCATIONAL_INSTITUTE,
        "phone": "2222-0000",
    }
    values.update(overrides)
    return services.ProviderDetails(**values)


def _municipality(code="SV-PA-la-paz-este"):
    return AdministrativeDivision.objects.get(code=code)


def test_provider_create_adds_the_provider_organisation(organisation, make_member):
    manager = make_member(Role.MANAGER, organisation=organisation)

    provider = services.provider_create(
        owner=organisation,
        details=_details(name="  INSAFORP  "),
        municipalities=[_municipality()],
        by=manager,
        at=NOW,
    )

    assert provider.name == "INSAFORP"
    assert provider.owner == organisation
    assert provider.organisation.name == "INSAFORP"
    assert provider.organisation.kind == Organisation.Kind.VOCATIONAL_INSTITUTE
    assert provider.organisation.country == organisation.country
    assert list(provider.municipalities.all()) == [_municipality()]
    assert events("organisation.created").get().target_id == str(provider.organisation.pk)
    created = events("provider.created").get()
    assert created.organisation_id == organisation.pk
    assert created.changes["municipalities"] == [None, ["SV-PA-la-paz-este"]]


def test_provider_create_links_an_organisation_already_on_the_platform(
    organisation, other_organisation, make_member
):
    manager = make_member(Role.MANAGER, organisation=organisation)
    count = Organisation.objects.count()

    provider = services.provider_create(
        owner=organisation,
        details=_details(),
        municipalities=[],
        organisation=other_organisation,
        by=manager,
        at=NOW,
    )

    assert provider.organisation == other_organisation
    assert Organisation.objects.count() == count
    assert not events("organisation.created").exists()


def test_a_directory_lists_an_organisation_once(organisation, other_organisation, make_member):
    manager = make_member(Role.MANAGER, organisation=organisation)
    ProviderFactory(owner=organisation, organisation=other_organisation)

    with pytest.raises(services.ProviderAlreadyListed) as error:
        services.provider_create(
            owner=organisation,
            details=_details(),
            municipalities=[],
            organisation=other_organisation,
            by=manager,
            at=NOW,
        )
    assert error.value.field == "organisation"


def test_coverage_is_made_of_municipalities(organisation, make_member):
    manager = make_member(Role.MANAGER, organisation=organisation)
    department = AdministrativeDivision.objects.get(code="SV-PA")

    with pytest.raises(ValidationError) as error:
        services.provider_create(
            owner=organisation, details=_details(), municipalities=[department], by=manager, at=NOW
        )
    assert "municipalities" in error.value.message_dict
    assert not Provider.objects.exists()
    assert not Organisation.objects.filter(name="Centro de Formación Profesional").exists()


def test_provider_details_are_validated(organisation, make_member):
    manager = make_member(Role.MANAGER, organisation=organisation)

    with pytest.raises(ValidationError) as error:
        services.provider_create(
            owner=organisation,
            details=_details(name="", email="nope"),
            municipalities=[],
            by=manager,
            at=NOW,
        )
    assert {"name", "email"} <= set(error.value.message_dict)
    assert not Provider.objects.exists()


def test_provider_update_records_what_changed(world):
    other = _municipality("SV-PA-la-paz-centro")

    services.provider_update(
        provider=world.provider,
        details=_details(
            name="UCSF Zacatecoluca",
            kind=Provider.Kind.HEALTH_CENTRE,
            phone="2334-0000",
            is_active=False,
        ),
        municipalities=[other],
        by=world.caseworker,
        at=NOW,
    )

    world.provider.refresh_from_db()
    assert world.provider.is_active is False
    changes = events("provider.updated").get().changes
    assert changes["phone"] == ["2334-5678", "2334-0000"]
    assert changes["is_active"] == [True, False]
    assert changes["municipalities"] == [["SV-PA-la-paz-este"], ["SV-PA-la-paz-centro"]]
    assert "name" not in changes


def test_provider_update_without_changes_records_nothing(world):
    provider = world.provider
    details = services.ProviderDetails(
        name=provider.name,
        kind=provider.kind,
        phone=provider.phone,
        opening_hours=provider.opening_hours,
    )

    services.provider_update(
        provider=provider,
        details=details,
        municipalities=list(provider.municipalities.all()),
        by=world.caseworker,
        at=NOW,
    )

    assert not events("provider.updated").exists()


def test_service_add_and_update_are_audited(world):
    service = services.service_add(
        provider=world.provider,
        details=services.ServiceDetails(
            name="Consulta general",
            category=Service.Category.HEALTH,
            eligibility="Cualquier persona",
        ),
        by=world.caseworker,
        at=NOW,
    )
    services.service_update(
        service=service,
        details=services.ServiceDetails(
            name="Consulta general",
            category=Service.Category.HEALTH,
            eligibility="Cualquier persona",
            is_active=False,
        ),
        by=world.caseworker,
        at=NOW,
    )

    service.refresh_from_db()
    assert service.provider == world.provider
    assert service.is_active is False
    assert events("service.added").get().organisation_id == world.organisation.pk
    assert events("service.updated").get().changes == {"is_active": [True, False]}


def test_service_category_is_validated(world):
    with pytest.raises(ValidationError) as error:
        services.service_add(
            provider=world.provider,
            details=services.ServiceDetails(name="X", category="MAGIC"),
            by=world.caseworker,
            at=NOW,
        )
    assert "category" in error.value.message_dict
