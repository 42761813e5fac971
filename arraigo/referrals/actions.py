"""What moves a referral on: accepting, declining, completing or cancelling it.

The referral page and the API offer the same four actions. Their forms and serializers name the
input alike, so each action is written once here: what ``access_referral`` must allow, and the
service it calls with that input.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from arraigo.accounts.models import User
from arraigo.referrals import services
from arraigo.referrals.models import Referral

type Input = Mapping[str, Any]


@dataclass(frozen=True)
class ReferralAction:
    access: str  # the action access_referral must allow
    perform: Callable[[Referral, Input, User, datetime.datetime], Referral]


def _accept(referral: Referral, data: Input, by: User, at: datetime.datetime) -> Referral:
    return services.referral_accept(
        referral=referral, follow_up_on=data["follow_up_on"], note=data["note"], by=by, at=at
    )


def _decline(referral: Referral, data: Input, by: User, at: datetime.datetime) -> Referral:
    return services.referral_decline(
        referral=referral, reason=data["decline_reason"], note=data["note"], by=by, at=at
    )


def _complete(referral: Referral, data: Input, by: User, at: datetime.datetime) -> Referral:
    return services.referral_complete(
        referral=referral, outcome=data["outcome"], note=data["note"], by=by, at=at
    )


def _cancel(referral: Referral, data: Input, by: User, at: datetime.datetime) -> Referral:
    return services.referral_cancel(referral=referral, note=data["note"], by=by, at=at)


ACCEPT = ReferralAction(access="answer", perform=_accept)
DECLINE = ReferralAction(access="answer", perform=_decline)
COMPLETE = ReferralAction(access="complete", perform=_complete)
CANCEL = ReferralAction(access="cancel", perform=_cancel)
