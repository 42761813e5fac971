"""Referral pages: the list, sending a referral from a case, and each referral with its actions."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from arraigo.accounts.models import Role
from arraigo.accounts.permissions import CASE_ROLES, require_role, role_of
from arraigo.cases.permissions import access_case
from arraigo.core.errors import ApplicationError
from arraigo.core.forms import Form
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.pagination import page_from_request
from arraigo.programmes.permissions import visible_programmes
from arraigo.referrals import selectors, services
from arraigo.referrals.actions import ACCEPT, CANCEL, COMPLETE, DECLINE, ReferralAction
from arraigo.referrals.forms import (
    AcceptForm,
    CancelForm,
    CompleteForm,
    DeclineForm,
    ReferralFilterForm,
    ReferralForm,
)
from arraigo.referrals.models import Referral
from arraigo.referrals.permissions import access_referral, referral_actions

LIST_ROLES = CASE_ROLES | {Role.PARTNER}


def referral_list(request: AuthenticatedRequest) -> HttpResponse:
    membership = require_role(request.user, LIST_ROLES)
    is_partner = membership.role == Role.PARTNER
    today = timezone.localdate()
    filters = ReferralFilterForm(
        request.GET or None,
        programmes=None if is_partner else visible_programmes(request.user),
    )
    referrals = selectors.referral_list(user=request.user, today=today)
    if filters.is_valid():
        referrals = filters.filter(referrals, today=today)
    page = page_from_request(request, referrals, ordering=["-sent_at", "-id"])
    return render_page(
        request,
        "referrals/list.html",
        {"filters": filters, "page": page, "is_partner": is_partner},
        partial="results",
    )


@require_http_methods(["GET", "POST"])
def referral_new(request: AuthenticatedRequest) -> HttpResponse:
    """Send a referral from a case. ``?case=<uuid>`` names the case; htmx swaps the service list
    when the provider changes, and without JavaScript the "Show services" button does."""
    case_id = request.GET.get("case")
    if not case_id:
        raise Http404
    case = access_case(user=request.user, pk=case_id, action="change")
    providers = selectors.providers_for_case(user=request.user, case=case)
    consented = selectors.referral_consent_organisations(
        participant=case.participant, on=timezone.localdate()
    )
    refresh = request.method == "POST" and "show_services" in request.POST
    if request.method == "POST" and not refresh:
        form = ReferralForm(request.POST, providers=providers, consented=consented)
    else:
        source = request.POST if refresh else request.GET
        form = ReferralForm(
            initial={
                key: source.get(key)
                for key in ("provider", "service", "urgency", "reason")
                if source.get(key)
            },
            providers=providers,
            consented=consented,
        )
    chosen = form.chosen_provider
    consent_missing = chosen is not None and chosen.organisation_id not in consented
    if request.method == "POST" and not refresh and form.is_valid():
        try:
            referral = services.referral_send(
                case=case,
                provider=form.cleaned_data["provider"],
                service=form.cleaned_data["service"],
                reason=form.cleaned_data["reason"],
                urgency=form.cleaned_data["urgency"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            consent_missing = consent_missing or isinstance(error, services.ConsentMissing)
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("The referral %(reference)s was sent to %(provider)s.")
                % {"reference": referral.reference, "provider": referral.provider.name},
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render_page(
        request,
        "referrals/new.html",
        {
            "form": form,
            "case": case,
            "participant": case.participant,
            "has_providers": providers.exists(),
            "consent_missing": consent_missing,
        },
        partial="service_field",
    )


def _detail(request: AuthenticatedRequest, referral: Referral, **forms: Form) -> HttpResponse:
    """The referral page; reading its reason and notes is recorded in the audit log."""
    now = timezone.now()
    actions = referral_actions(request.user, referral)
    services.referral_record_read(referrals=[referral], by=request.user, at=now)
    context: dict[str, Any] = {
        "referral": referral,
        "person": selectors.referred_person(referral),
        "is_partner": role_of(request.user) == Role.PARTNER,
        "actions": actions,
        "accept_form": forms.get("accept_form") or AcceptForm(),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "complete_form": forms.get("complete_form") or CompleteForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "open_form": next(iter(forms), ""),
    }
    return render_page(request, "referrals/detail.html", context)


def referral_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    referral = access_referral(user=request.user, pk=pk, action="view")
    return _detail(request, referral)


def _act(
    request: AuthenticatedRequest,
    pk: object,
    action: ReferralAction,
    form_class: type[Form],
    *,
    done: str,
) -> HttpResponse:
    """Authorise *action*, validate *form_class*, perform it; re-show the page on a refusal."""
    referral = access_referral(user=request.user, pk=pk, action=action.access)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action.perform(referral, form.cleaned_data, request.user, timezone.now())
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, done)
            return redirect("referrals:detail", pk=referral.pk)
    if not any(name in form.fields for name in form.errors):
        # The referral moved on (answered, cancelled…) meanwhile: show why on its current page.
        for message in form.non_field_errors():
            messages.error(request, str(message))
        return redirect("referrals:detail", pk=referral.pk)
    # The page opens the form sent, named after its prefix (accept_form, decline_form…).
    return _detail(request, referral, **{f"{form.prefix}_form": form})


@require_POST
def referral_accept(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    return _act(
        request,
        pk,
        ACCEPT,
        AcceptForm,
        done=_("You accepted the referral. The referring organisation can see it."),
    )


@require_POST
def referral_decline(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    return _act(
        request,
        pk,
        DECLINE,
        DeclineForm,
        done=_("You declined the referral. The referring organisation can see why."),
    )


@require_POST
def referral_complete(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    return _act(
        request,
        pk,
        COMPLETE,
        CompleteForm,
        done=_("The referral is completed. Thank you for reporting back."),
    )


@require_POST
def referral_cancel(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    return _act(
        request,
        pk,
        CANCEL,
        CancelForm,
        done=_("The referral was cancelled; the provider can see why."),
    )
