"""Writes to the service directory and to referrals. Each validates, saves and audits at once."""

import datetime
from dataclasses import dataclass, fields

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arraigo.accounts.models import Organisation, User
from arraigo.accounts.permissions import membership_of
from arraigo.cases.models import Case
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.core.models import AdministrativeDivision
from arraigo.core.references import next_reference
from arraigo.people.models import Consent
from arraigo.people.selectors import consent_for_sharing
from arraigo.referrals.models import Provider, Referral, Service

# Days a provider has to answer a referral, by urgency.
ANSWER_DAYS = {
    Referral.Urgency.URGENT: 2,
    Referral.Urgency.PRIORITY: 5,
    Referral.Urgency.ROUTINE: 10,
}
# When an accepted referral is followed up, unless the provider gives a date.
DEFAULT_FOLLOW_UP_DAYS = 30
# A follow-up further away than this is a typing mistake, not a plan.
MAX_FOLLOW_UP_DAYS = 366
# Referral references start with R and the organisation's prefix, e.g. RSV-2026-000042.
REFERENCE_PREFIX = "R"


class ProviderAlreadyListed(ApplicationError):
    """Raised when a directory would list the same provider organisation twice."""


class ProviderInactive(ApplicationError):
    """Raised when a referral is sent to a provider no longer active in the directory."""


class ServiceNotOffered(ApplicationError):
    """Raised when the service does not belong to the provider, or is no longer offered."""


class CaseClosed(ApplicationError):
    """Raised when a closed case is referred."""


class ConsentMissing(ApplicationError):
    """Raised when no consent in force lets the participant's data go to the provider."""


class ReferralAlreadyOpen(ApplicationError):
    """Raised when the case already has an open referral to the same service."""


class ReferralNotAddressedToYou(ApplicationError):
    """Raised when someone answers or completes a referral sent to another organisation."""


class ReferralNotAnswerable(ApplicationError):
    """Raised when a referral that is not awaiting an answer is accepted or declined."""


class ReferralNotCompletable(ApplicationError):
    """Raised when a referral that was not accepted, or was already closed, is completed."""


class ReferralNotCancellable(ApplicationError):
    """Raised when a referral is cancelled by another organisation, or after it was closed."""


# --- Service directory -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderDetails:
    name: str
    kind: str
    description: str = ""
    contact_person: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    opening_hours: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class ServiceDetails:
    name: str
    category: str
    description: str = ""
    eligibility: str = ""
    is_active: bool = True


def _apply(record: Provider | Service, details: ProviderDetails | ServiceDetails) -> None:
    for detail in fields(details):
        value = getattr(details, detail.name)
        setattr(record, detail.name, value.strip() if isinstance(value, str) else value)


def _check_municipalities(municipalities: list[AdministrativeDivision]) -> None:
    if any(m.level != AdministrativeDivision.Level.MUNICIPALITY for m in municipalities):
        raise ValidationError(
            {"municipalities": _("Choose municipalities, not departments or districts.")}
        )


def _set_municipalities(provider: Provider, municipalities: list[AdministrativeDivision]) -> dict:
    old = sorted(provider.municipalities.values_list("pk", flat=True)) if provider.pk else []
    new = sorted(m.pk for m in municipalities)
    provider.municipalities.set(municipalities)
    return {"municipalities": [old or None, new]} if old != new else {}


@transaction.atomic
def provider_create(
    *,
    owner: Organisation,
    details: ProviderDetails,
    municipalities: list[AdministrativeDivision],
    organisation: Organisation | None = None,
    by: User,
    at: datetime.datetime,
) -> Provider:
    """List a provider in *owner*'s service directory.

    *organisation* is the provider's organisation when it is already on the platform; without
    it, one is created with the provider's name and kind, so consents and PARTNER accounts can
    name it.

    :raises ValidationError: keyed by field when the details do not hold.
    :raises ProviderAlreadyListed: if *owner*'s directory already lists *organisation*.
    """
    _check_municipalities(municipalities)
    provider = Provider(owner=owner)
    _apply(provider, details)
    if (
        organisation is not None
        and Provider.objects.filter(owner=owner, organisation=organisation).exists()
    ):
        raise ProviderAlreadyListed(
            _("Your directory already lists %(organisation)s.") % {"organisation": organisation},
            field="organisation",
        )
    provider.full_clean(exclude=["owner", "organisation"], validate_constraints=False)
    if organisation is None:
        organisation = Organisation(
            name=provider.name, kind=provider.kind, country=owner.country, is_active=True
        )
        organisation.full_clean(exclude=["reference_prefix"])
        organisation.save(force_insert=True)
        audit.record_created(actor=by, action="organisation.created", target=organisation, at=at)
    provider.organisation = organisation
    provider.save(force_insert=True)
    changes = audit.changes_between({}, provider)
    changes.update(_set_municipalities(provider, municipalities))
    audit.record(actor=by, action="provider.created", target=provider, at=at, changes=changes)
    return provider


@transaction.atomic
def provider_update(
    *,
    provider: Provider,
    details: ProviderDetails,
    municipalities: list[AdministrativeDivision],
    by: User,
    at: datetime.datetime,
) -> Provider:
    """Change a directory entry: its details, contact, coverage, or whether it is active.

    :raises ValidationError: keyed by field when the details do not hold.
    """
    _check_municipalities(municipalities)
    before = audit.snapshot(provider)
    _apply(provider, details)
    provider.full_clean(validate_constraints=False)
    provider.save()
    changes = audit.changes_between(before, provider)
    changes.update(_set_municipalities(provider, municipalities))
    if changes:
        audit.record(actor=by, action="provider.updated", target=provider, at=at, changes=changes)
    return provider


@transaction.atomic
def service_add(
    *, provider: Provider, details: ServiceDetails, by: User, at: datetime.datetime
) -> Service:
    """Add a service *provider* offers.

    :raises ValidationError: keyed by field when the details do not hold.
    """
    service = Service(provider=provider)
    _apply(service, details)
    service.full_clean(exclude=["provider"])
    service.save(force_insert=True)
    audit.record_created(actor=by, action="service.added", target=service, at=at)
    return service


@transaction.atomic
def service_update(
    *, service: Service, details: ServiceDetails, by: User, at: datetime.datetime
) -> Service:
    """Change a service, or record that the provider no longer offers it.

    :raises ValidationError: keyed by field when the details do not hold.
    """
    before = audit.snapshot(service)
    _apply(service, details)
    service.full_clean()
    service.save()
    changes = audit.changes_between(before, service)
    if changes:
        audit.record(actor=by, action="service.updated", target=service, at=at, changes=changes)
    return service


# --- Referrals -------------------------------------------------------------------------------


def answer_due_on(*, urgency: str, sent_on: datetime.date) -> datetime.date:
    """The day by which a provider should answer a referral of *urgency* sent on *sent_on*."""
    return sent_on + datetime.timedelta(days=ANSWER_DAYS[Referral.Urgency(urgency)])


def _required(value: str, *, field: str, message: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _check_addressed_to(referral: Referral, by: User) -> None:
    membership = membership_of(by)
    if membership is None or membership.organisation_id != referral.provider.organisation_id:
        raise ReferralNotAddressedToYou(
            _("This referral was sent to another organisation; only it can answer.")
        )


@transaction.atomic
def referral_send(
    *,
    case: Case,
    provider: Provider,
    service: Service,
    reason: str,
    urgency: str,
    by: User,
    at: datetime.datetime,
) -> Referral:
    """Refer *case*'s participant to *provider* for *service*.

    The participant's data goes to the provider's organisation only with a consent in force
    for referrals that names it; the referral keeps which consent allowed it.

    :raises CaseClosed: if the case is closed.
    :raises ProviderInactive: if the provider is inactive or not in the case's directory.
    :raises ServiceNotOffered: if the service is not the provider's or no longer offered.
    :raises ReferralAlreadyOpen: if the case already has an open referral to that service.
    :raises ConsentMissing: if no consent allows sharing with the provider today.
    :raises ValidationError: keyed by field when the reason or urgency is missing.
    """
    today = timezone.localdate(at)
    if case.status == Case.Status.CLOSED:
        raise CaseClosed(_("This case is closed; reopen it before referring the person."))
    if (
        not provider.is_active
        or not provider.organisation.is_active
        or provider.owner_id != case.organisation_id
    ):
        raise ProviderInactive(
            _("This provider is no longer active in your directory; choose another."),
            field="provider",
        )
    if service.provider_id != provider.pk or not service.is_active:
        raise ServiceNotOffered(
            _("%(provider)s does not offer this service; choose one of its services.")
            % {"provider": provider.name},
            field="service",
        )
    reason = _required(
        reason, field="reason", message=_("Say why the person is referred and what they need.")
    )
    if urgency not in Referral.Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent the referral is.")})
    if Referral.objects.open().filter(case=case, service=service).exists():
        raise ReferralAlreadyOpen(
            _("This case already has an open referral to this service."), field="service"
        )
    consent = consent_for_sharing(
        participant=case.participant,
        purpose=Consent.Purpose.REFERRAL,
        organisation=provider.organisation,
        on=today,
    )
    if consent is None:
        raise ConsentMissing(
            _(
                "The participant has no consent in force today to share their data with "
                "%(organisation)s for referrals. Record the consent on the participant's page, "
                "naming this organisation, then send the referral."
            )
            % {"organisation": provider.organisation.name}
        )
    referral = Referral(
        case=case,
        provider=provider,
        service=service,
        consent=consent,
        reason=reason,
        urgency=urgency,
        status=Referral.Status.SENT,
        sent_at=at,
        sent_by=by,
        answer_due_on=answer_due_on(urgency=urgency, sent_on=today),
    )
    organisation = case.organisation
    referral.reference = next_reference(
        prefix=REFERENCE_PREFIX + (organisation.reference_prefix or organisation.country),
        year=today.year,
    )
    referral.save(force_insert=True)
    audit.record_created(actor=by, action="referral.sent", target=referral, at=at)
    return referral


def _check_awaiting_answer(referral: Referral) -> None:
    if referral.status != Referral.Status.SENT:
        raise ReferralNotAnswerable(
            _("This referral was already answered or cancelled (now: %(status)s).")
            % {"status": referral.get_status_display()}
        )


@transaction.atomic
def referral_accept(
    *,
    referral: Referral,
    follow_up_on: datetime.date | None = None,
    note: str = "",
    by: User,
    at: datetime.datetime,
) -> Referral:
    """The provider takes the referral on, and says when it will report back.

    :raises ReferralNotAddressedToYou: if *by* is not staff of the provider's organisation.
    :raises ReferralNotAnswerable: if the referral is not awaiting an answer.
    :raises ValidationError: if the follow-up date is in the past or too far away.
    """
    _check_addressed_to(referral, by)
    _check_awaiting_answer(referral)
    today = timezone.localdate(at)
    if follow_up_on is None:
        follow_up_on = today + datetime.timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
    if not today <= follow_up_on <= today + datetime.timedelta(days=MAX_FOLLOW_UP_DAYS):
        raise ValidationError(
            {"follow_up_on": _("Choose a follow-up date between today and a year from now.")}
        )
    audit.save_fields(
        referral,
        {
            "status": Referral.Status.ACCEPTED,
            "responded_at": at,
            "responded_by": by,
            "follow_up_on": follow_up_on,
            "answer_note": note.strip(),
        },
        actor=by,
        action="referral.accepted",
        at=at,
    )
    return referral


@transaction.atomic
def referral_decline(
    *,
    referral: Referral,
    reason: str,
    note: str = "",
    by: User,
    at: datetime.datetime,
) -> Referral:
    """The provider cannot take the referral on, and says why.

    :raises ReferralNotAddressedToYou: if *by* is not staff of the provider's organisation.
    :raises ReferralNotAnswerable: if the referral is not awaiting an answer.
    :raises ValidationError: if no reason is given, or "other" without a note.
    """
    _check_addressed_to(referral, by)
    _check_awaiting_answer(referral)
    if reason not in Referral.DeclineReason.values:
        raise ValidationError({"decline_reason": _("Say why you cannot take this referral.")})
    if reason == Referral.DeclineReason.OTHER:
        note = _required(note, field="note", message=_("Explain the reason in the note."))
    audit.save_fields(
        referral,
        {
            "status": Referral.Status.DECLINED,
            "responded_at": at,
            "responded_by": by,
            "decline_reason": reason,
            "answer_note": note.strip(),
        },
        actor=by,
        action="referral.declined",
        at=at,
    )
    return referral


@transaction.atomic
def referral_complete(
    *,
    referral: Referral,
    outcome: str,
    note: str,
    by: User,
    at: datetime.datetime,
) -> Referral:
    """The provider reports what came of an accepted referral.

    :raises ReferralNotAddressedToYou: if *by* is not staff of the provider's organisation.
    :raises ReferralNotCompletable: if the referral is not accepted and open.
    :raises ValidationError: if the outcome or the note is missing.
    """
    _check_addressed_to(referral, by)
    if referral.status != Referral.Status.ACCEPTED:
        raise ReferralNotCompletable(
            _("Only an accepted referral can be completed (now: %(status)s).")
            % {"status": referral.get_status_display()}
        )
    if outcome not in Referral.Outcome.values:
        raise ValidationError({"outcome": _("Say whether the person received the service.")})
    note = _required(note, field="note", message=_("Say briefly what was done."))
    audit.save_fields(
        referral,
        {
            "status": Referral.Status.COMPLETED,
            "completed_at": at,
            "completed_by": by,
            "outcome": outcome,
            "outcome_note": note,
        },
        actor=by,
        action="referral.completed",
        at=at,
    )
    return referral


@transaction.atomic
def referral_cancel(*, referral: Referral, note: str, by: User, at: datetime.datetime) -> Referral:
    """The referring organisation withdraws a referral the provider has not closed.

    :raises ReferralNotCancellable: if *by* is not of the referring organisation, or the
        referral was already declined, completed or cancelled.
    :raises ValidationError: if no reason is given.
    """
    membership = membership_of(by)
    if membership is None or membership.organisation_id != referral.case.organisation_id:
        raise ReferralNotCancellable(_("Only the organisation that sent it can cancel it."))
    if referral.status not in (Referral.Status.SENT, Referral.Status.ACCEPTED):
        raise ReferralNotCancellable(
            _("This referral is closed and cannot be cancelled (now: %(status)s).")
            % {"status": referral.get_status_display()}
        )
    note = _required(
        note, field="note", message=_("Say why, so the provider knows to stop working on it.")
    )
    audit.save_fields(
        referral,
        {
            "status": Referral.Status.CANCELLED,
            "cancelled_at": at,
            "cancelled_by": by,
            "cancellation_note": note,
        },
        actor=by,
        action="referral.cancelled",
        at=at,
    )
    return referral


def referral_record_read(*, referrals: list[Referral], by: User, at: datetime.datetime) -> int:
    """Record that *by* read the reason and notes of *referrals* (SENSITIVE content)."""
    return audit.record_reads(actor=by, action="referral.read", targets=referrals, at=at)
