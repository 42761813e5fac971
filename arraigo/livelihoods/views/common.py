"""Helpers shared by the seed-capital pages."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from arraigo.accounts.models import User
from arraigo.core.errors import ApplicationError
from arraigo.core.http import AuthenticatedRequest
from arraigo.livelihoods.models import Call
from arraigo.livelihoods.permissions import may
from arraigo.referrals.models import Service
from arraigo.referrals.permissions import visible_providers

# What a service raises when the rules refuse a request: shown on the form, never a 500.
Refusal = (ApplicationError, ValidationError)


def form_page(
    request: AuthenticatedRequest,
    *,
    form: Any,
    heading: str,
    call: Call,
    back: str,
    intro: str = "",
    multipart: bool = False,
    crumbs: list[tuple[str, str]] | None = None,
    submit: str = "",
) -> HttpResponse:
    """A short form about something of a call, on its own small page."""
    return render(
        request,
        "livelihoods/form.html",
        {
            "form": form,
            "heading": heading,
            "intro": intro,
            "call": call,
            "back": back,
            "multipart": multipart,
            "crumbs": crumbs or [],
            "submit": submit,
        },
    )


def message_of(error: ApplicationError | ValidationError) -> str:
    """The refusal's message, for a flash message (pages without a form)."""
    if isinstance(error, ApplicationError):
        return error.message
    return " ".join(error.messages)


def flags(user: User) -> dict[str, bool]:
    return {
        "can_work": may(user, "work"),
        "can_configure": may(user, "configure"),
        "can_decide": may(user, "decide"),
    }


def call_url(call: Call, name: str = "call_detail") -> str:
    return reverse(f"livelihoods:{name}", args=[call.pk])


def referral_services(
    user: User, *, categories: tuple[str, ...] | None = None
) -> QuerySet[Service]:
    """Active services of *user*'s directory to refer someone to, by provider."""
    services = Service.objects.filter(
        provider__in=visible_providers(user), provider__is_active=True, is_active=True
    ).select_related("provider")
    if categories is not None:
        services = services.filter(category__in=categories)
    return services.order_by("provider__name", "name", "id")
