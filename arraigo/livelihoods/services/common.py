"""Helpers shared by the seed-capital services."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from arraigo.accounts.models import User
from arraigo.cases.models import Case
from arraigo.core.errors import ApplicationError
from arraigo.livelihoods.models import Application
from arraigo.referrals.models import Provider, Referral, Service
from arraigo.referrals.services import referral_send

CENTS = Decimal("0.01")


class NoCaseForReferral(ApplicationError):
    """Raised when a person is referred but has no case in the call's programme."""


def money(amount: Decimal, currency: str) -> str:
    """*amount* as people read it, e.g. ``1,250.00 USD``."""
    return f"{number_format(amount, decimal_pos=2, force_grouping=True)} {currency}"


def not_in_future(value: datetime.date, *, at: datetime.datetime) -> bool:
    return value <= timezone.localdate(at)


@dataclass(frozen=True)
class ReferralRequest:
    """A referral to send together with another record (a visit, a person not selected)."""

    provider: Provider
    service: Service
    reason: str
    urgency: str = Referral.Urgency.ROUTINE


def refer(
    *, application: Application, request: ReferralRequest, by: User, at: datetime.datetime
) -> Referral:
    """Send *request* from the applicant's case in the call's programme, through referrals.

    :raises NoCaseForReferral: if the person has no case in the programme.
    :raises ApplicationError: whatever ``referrals.services.referral_send`` refuses (consent,
        provider, service, an open referral to the same service).
    """
    case = (
        Case.objects.filter(
            participant_id=application.participant_id,
            programme_id=application.call.programme_id,
        )
        .select_related("participant", "organisation")
        .first()
    )
    if case is None:
        raise NoCaseForReferral(
            _(
                "Referrals are sent from the person's case, and this person has no case in "
                "%(programme)s. Open a case first."
            )
            % {"programme": application.call.programme.name}
        )
    return referral_send(
        case=case,
        provider=request.provider,
        service=request.service,
        reason=request.reason,
        urgency=request.urgency,
        by=by,
        at=at,
    )
