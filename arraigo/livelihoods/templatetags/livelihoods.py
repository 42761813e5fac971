"""Template helpers of seed capital: ``{% load livelihoods %}``."""

from decimal import Decimal
from typing import Any

from django import template

from arraigo.accounts.models import User
from arraigo.livelihoods import selectors
from arraigo.livelihoods.permissions import may
from arraigo.livelihoods.services.common import money as format_money
from arraigo.people.models import Participant

register = template.Library()

_COLOURS = {
    "DRAFT": "secondary",
    "OPEN": "primary",
    "SELECTION_APPROVED": "success",
    "CLOSED": "secondary",
    "APPLIED": "secondary",
    "INELIGIBLE": "danger",
    "ELIGIBLE": "info",
    "SELECTED": "success",
    "WAITING": "warning",
    "NOT_SELECTED": "secondary",
    "WITHDRAWN": "secondary",
    "SUBMITTED": "primary",
    "APPROVED": "success",
    "APPROVED_WITH_CHANGES": "success",
    "REJECTED": "danger",
    "ACTIVE": "primary",
    "COMPLETED": "success",
    "CANCELLED": "secondary",
    "ISSUED": "primary",
    "DELIVERED": "success",
    "SCHEDULED": "warning",
    "DONE": "success",
    "MISSED": "secondary",
}


@register.filter
def seed_colour(status: str) -> str:
    """The Bootstrap colour of a seed-capital status badge."""
    return _COLOURS.get(str(status), "secondary")


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """``{{ amount|money:call.currency }}`` → ``1,250.00 USD``."""
    if amount is None:
        return "—"
    return format_money(Decimal(amount), currency)


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    """``{{ mapping|get:key }}``."""
    return mapping.get(key) if mapping else None


@register.inclusion_tag("livelihoods/includes/participant_seed_capital.html")
def participant_seed_capital(user: User, participant: Participant) -> dict[str, Any]:
    """The person's seed-capital applications and the open calls it may apply to."""
    if not may(user, "view"):
        return {"shown": False}
    return {
        "shown": True,
        "participant": participant,
        "applications": selectors.participant_applications(user=user, participant=participant),
        "open_calls": selectors.open_calls_for(user=user, participant=participant)
        if may(user, "work")
        else [],
    }
