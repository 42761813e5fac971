"""Service directory pages: search, each provider with its services, and their editing."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.accounts.forms import PartnerAccountForm
from arraigo.accounts.models import Role
from arraigo.accounts.permissions import CASE_ROLES, require_role
from arraigo.accounts.views import create_account, set_account_active
from arraigo.core.errors import ApplicationError
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.lookups import get_or_404
from arraigo.core.pagination import page_from_request
from arraigo.referrals import selectors, services
from arraigo.referrals.forms import DirectorySearchForm, ProviderForm, ServiceForm
from arraigo.referrals.permissions import (
    DIRECTORY_EDITOR_ROLES,
    access_provider,
    access_service,
    can_edit_directory,
    can_manage_partner_accounts,
)


@require_GET
def provider_list(request: AuthenticatedRequest) -> HttpResponse:
    # Providers are public information, so the search terms may travel in the URL.
    require_role(request.user, CASE_ROLES)
    form = DirectorySearchForm(
        request.GET or None, municipalities=selectors.directory_municipalities(user=request.user)
    )
    criteria = form.cleaned_data if form.is_valid() else {}
    providers = selectors.search_providers(
        user=request.user,
        name=criteria.get("q", "").strip(),
        category=criteria.get("category", ""),
        municipality=criteria.get("municipality"),
    )
    page = page_from_request(request, providers, ordering=["name", "id"])
    return render_page(
        request,
        "directory/list.html",
        {"form": form, "page": page, "can_edit": can_edit_directory(request.user)},
        partial="results",
    )


@require_GET
def provider_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    provider = access_provider(user=request.user, pk=pk)
    return render(
        request,
        "directory/detail.html",
        {
            "provider": provider,
            "services": provider.services.all(),
            "municipalities": provider.municipalities.select_related("parent"),
            "can_edit": can_edit_directory(request.user),
            "partner_accounts": (
                selectors.partner_accounts(provider=provider)
                if can_manage_partner_accounts(request.user)
                else None
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def provider_new(request: AuthenticatedRequest) -> HttpResponse:
    editor = require_role(request.user, DIRECTORY_EDITOR_ROLES)
    form = ProviderForm(request.POST or None, owner=editor.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_create(
                owner=editor.organisation,
                details=form.details(),
                municipalities=list(form.cleaned_data["municipalities"]),
                organisation=form.cleaned_data["organisation"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The provider was added. Now add the services it offers."))
            return redirect("directory:service_new", pk=provider.pk)
    return render(request, "directory/provider_form.html", {"form": form, "provider": None})


@require_http_methods(["GET", "POST"])
def provider_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    provider = access_provider(user=request.user, pk=pk, action="change")
    # The form validates against a copy, so the service still sees the stored values.
    form = ProviderForm(
        request.POST or None,
        instance=copy.copy(provider),
        initial={"municipalities": list(provider.municipalities.all())},
        owner=provider.owner,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(
                provider=provider,
                details=form.details(),
                municipalities=list(form.cleaned_data["municipalities"]),
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("directory:detail", pk=provider.pk)
    return render(request, "directory/provider_form.html", {"form": form, "provider": provider})


@require_http_methods(["GET", "POST"])
def service_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    provider = access_provider(user=request.user, pk=pk, action="change")
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_add(
                provider=provider, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The service was added."))
            return redirect("directory:detail", pk=provider.pk)
    return render(
        request,
        "directory/service_form.html",
        {"form": form, "provider": provider, "service": None},
    )


@require_http_methods(["GET", "POST"])
def service_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    service = access_service(user=request.user, pk=pk, action="change")
    form = ServiceForm(request.POST or None, instance=copy.copy(service))
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                service=service, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("directory:detail", pk=service.provider_id)
    return render(
        request,
        "directory/service_form.html",
        {"form": form, "provider": service.provider, "service": service},
    )


@require_http_methods(["GET", "POST"])
def partner_account_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """An ADMIN gives a member of the provider's staff an account to answer referrals."""
    provider = access_provider(user=request.user, pk=pk, action="manage_accounts")
    form = PartnerAccountForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and create_account(
            request, form, organisation=provider.organisation, role=Role.PARTNER, programmes=[]
        )
    ):
        return redirect("directory:detail", pk=provider.pk)
    return render(
        request, "directory/partner_account_form.html", {"form": form, "provider": provider}
    )


@require_POST
def partner_account_set_active(
    request: AuthenticatedRequest, pk: object, member_pk: object
) -> HttpResponse:
    provider = access_provider(user=request.user, pk=pk, action="manage_accounts")
    member = get_or_404(selectors.partner_accounts(provider=provider), pk=member_pk)
    set_account_active(request, member)
    return redirect("directory:detail", pk=provider.pk)
