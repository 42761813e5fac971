"""Template helpers available in every template (registered as builtins in settings)."""

import datetime

from django import forms, template
from django.utils import timezone

register = template.Library()

# Bootstrap colour of the badge shown for each status value, whatever the model.
_STATUS_COLOURS = {
    "OPEN": "primary",
    "ACTIVE": "success",
    "CLOSED": "secondary",
    "SENT": "primary",
    "ACCEPTED": "success",
    "DECLINED": "danger",
    "COMPLETED": "secondary",
    "CANCELLED": "secondary",
    "PENDING": "warning",
    "IN_PROGRESS": "info",
    "DONE": "success",
    "PLANNED": "secondary",
}


@register.filter
def age(birth_date: datetime.date | None) -> int | str:
    """Whole years since *birth_date*, today."""
    if birth_date is None:
        return ""
    today = timezone.localdate()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@register.filter
def status_colour(status: str) -> str:
    return _STATUS_COLOURS.get(str(status), "secondary")


@register.filter
def getfield(form: forms.BaseForm, name: str) -> forms.BoundField:
    """``form|getfield:name``: the bound field called *name* (for names built in a loop)."""
    return form[name]
