"""Sharing agreements: an administrator of either organisation sees them and may end one at
once; from then on neither organisation's check reads the other's people."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.accounts.tests.factories import OrganisationFactory
from arraigo.core.models import AuditEvent
from arraigo.dedup import services
from arraigo.dedup.check import agreements_in_force
from arraigo.dedup.models import SharingAgreement

pytestmark = pytest.mark.django_db

LIST = reverse("dedup:agreements")


def _agreement(organisation, other, *, days_ago=30, valid_until=None):
    return services.sharing_agreement_record(
        organisation=organisation,
        other=other,
        valid_from=timezone.localdate() - datetime.timedelta(days=days_ago),
        valid_until=valid_until,
        signed_by="Directoras de ambas organizaciones",
        discloses_reference=False,
        by=None,
        at=timezone.now(),
    )


@pytest.fixture
def agreement(organisation, other_organisation):
    return _agreement(organisation, other_organisation)


@pytest.fixture
def admin(make_member, organisation):
    return make_member(Role.ADMIN, organisation=organisation)


@pytest.fixture
def other_admin(make_member, other_organisation):
    return make_member(Role.ADMIN, organisation=other_organisation)


def _end_url(agreement):
    return reverse("dedup:agreement_end", args=[agreement.pk])


# --- The service --------------------------------------------------------------------------------


def test_ending_an_agreement_stops_both_checks_at_once_and_is_audited(
    agreement, organisation, other_organisation, other_admin
):
    assert other_organisation.pk in agreements_in_force(organisation, on=timezone.localdate())

    services.sharing_agreement_end(
        agreement=agreement, reason="Convenio rescindido", by=other_admin, at=timezone.now()
    )

    today = timezone.localdate()
    assert agreements_in_force(organisation, on=today) == {}
    assert agreements_in_force(other_organisation, on=today) == {}
    agreement.refresh_from_db()
    assert (agreement.ended_by, agreement.end_reason) == (other_admin, "Convenio rescindido")
    assert agreement.state_on(today) == SharingAgreement.State.ENDED
    event = AuditEvent.objects.get(action="sharing_agreement.ended")
    assert event.actor == other_admin
    assert event.changes["end_reason"] == ["", "Convenio rescindido"]


def test_an_agreement_over_cannot_be_ended_again(
    agreement, organisation, other_organisation, admin
):
    services.sharing_agreement_end(agreement=agreement, reason="Fin", by=admin, at=timezone.now())
    expired = _agreement(
        organisation,
        OrganisationFactory(),
        days_ago=60,
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )

    for over in (agreement, expired):
        with pytest.raises(services.AgreementOver):
            services.sharing_agreement_end(
                agreement=over, reason="Otra vez", by=admin, at=timezone.now()
            )
    assert AuditEvent.objects.filter(action="sharing_agreement.ended").count() == 1


def test_an_agreement_is_not_ended_without_a_reason(agreement, admin):
    with pytest.raises(ValidationError) as refused:
        services.sharing_agreement_end(
            agreement=agreement, reason="  ", by=admin, at=timezone.now()
        )

    assert "reason" in refused.value.message_dict
    agreement.refresh_from_db()
    assert agreement.ended_at is None


def test_the_state_follows_the_dates(organisation, other_organisation):
    upcoming = _agreement(organisation, other_organisation, days_ago=-5)
    today = timezone.localdate()

    assert upcoming.state_on(today) == SharingAgreement.State.UPCOMING
    assert upcoming.state_on(today + datetime.timedelta(days=5)) == SharingAgreement.State.IN_FORCE


# --- The pages ----------------------------------------------------------------------------------


def test_each_side_sees_the_agreement_with_the_other_organisation(
    client, agreement, admin, other_admin, organisation, other_organisation
):
    client.force_login(admin)
    mine = client.get(LIST).text
    client.force_login(other_admin)
    theirs = client.get(LIST).text

    assert other_organisation.name in mine
    assert "In force" in mine
    assert organisation.name in theirs
    assert "Directoras de ambas organizaciones" in theirs
    assert _end_url(agreement) in mine
    assert _end_url(agreement) in theirs


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.CASEWORKER, Role.MONITORING, Role.PARTNER, Role.VIEWER]
)
def test_only_administrators_have_the_agreements(
    client, agreement, make_member, organisation, role
):
    client.force_login(make_member(role, organisation=organisation))

    assert client.get(LIST).status_code == 404
    assert client.get(_end_url(agreement)).status_code == 404
    assert client.post(_end_url(agreement), {"reason": "No"}).status_code == 404


def test_a_third_organisation_gets_404_and_sees_no_agreement(client, agreement, make_member):
    outsider = make_member(Role.ADMIN, organisation=OrganisationFactory())
    client.force_login(outsider)

    assert client.post(_end_url(agreement), {"reason": "No"}).status_code == 404
    assert "has no sharing agreement" in client.get(LIST).text
    agreement.refresh_from_db()
    assert agreement.ended_at is None


def test_ending_from_the_page_needs_a_reason_at_the_field(client, agreement, admin):
    client.force_login(admin)

    refused = client.post(_end_url(agreement), {"reason": ""})

    assert refused.status_code == 200
    assert 'aria-invalid="true"' in refused.text
    agreement.refresh_from_db()
    assert agreement.ended_at is None


def test_the_other_side_reads_who_ended_it_and_why(
    client, agreement, admin, other_admin, organisation
):
    client.force_login(other_admin)
    ended = client.post(_end_url(agreement), {"reason": "El convenio no se renovó"}, follow=True)
    client.force_login(admin)
    page = client.get(LIST).text

    assert "The agreement ended" in ended.text
    assert "El convenio no se renovó" in page
    assert "Ended" in page
    assert _end_url(agreement) not in page
