"""Programme pages: the list, a dashboard per programme, and their configuration."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from arraigo.accounts.models import Membership, Role
from arraigo.accounts.permissions import PEOPLE_ROLES, has_role, require_role
from arraigo.cases.models import Case
from arraigo.cases.selectors import case_counts
from arraigo.core.disaggregation import cell
from arraigo.core.http import AuthenticatedRequest
from arraigo.people.selectors import enrolment_breakdown
from arraigo.programmes import services
from arraigo.programmes.forms import ProgrammeForm
from arraigo.programmes.models import Programme
from arraigo.programmes.permissions import access_programme, visible_programmes
from arraigo.referrals.models import Referral
from arraigo.referrals.selectors import referral_counts


def programme_list(request: AuthenticatedRequest) -> HttpResponse:
    programmes = visible_programmes(request.user).select_related("organisation")
    return render(
        request,
        "programmes/list.html",
        {"programmes": programmes, "can_create": has_role(request.user, {Role.ADMIN})},
    )


def programme_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    programme = access_programme(user=request.user, pk=pk)
    sees_names = has_role(request.user, PEOPLE_ROLES)
    cases = case_counts(programme=programme)
    referrals = referral_counts(programme=programme)
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "breakdown": enrolment_breakdown(programme=programme, hide_small=not sees_names),
            "cases": [
                (label, cell(cases[status], hide_small=not sees_names))
                for status, label in Case.Status.choices
            ],
            "referrals": [
                (label, cell(referrals[status], hide_small=not sees_names))
                for status, label in Referral.Status.choices
            ],
            "sees_names": sees_names,
            "can_edit": has_role(request.user, {Role.ADMIN}),
        },
    )


@require_http_methods(["GET", "POST"])
def programme_new(request: AuthenticatedRequest) -> HttpResponse:
    admin = require_role(request.user, {Role.ADMIN})
    return _programme_form(request, admin, programme=None)


@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    admin = require_role(request.user, {Role.ADMIN})
    programme = access_programme(user=request.user, pk=pk, action="configure")
    return _programme_form(request, admin, programme=programme)


def _programme_form(
    request: AuthenticatedRequest, admin: Membership, *, programme: Programme | None
) -> HttpResponse:
    """The programme form: a new programme of the ADMIN's organisation, or changes to one."""
    form = ProgrammeForm(
        request.POST or None,
        # The form validates against a copy, so the service still sees the stored values.
        instance=copy.copy(programme),
        initial={"partners": list(programme.partners.all())} if programme else None,
        organisation=admin.organisation,
    )
    if request.method == "POST" and form.is_valid():
        partners = list(form.cleaned_data["partners"])
        try:
            if programme is None:
                saved = services.programme_create(
                    organisation=admin.organisation,
                    details=form.details(),
                    partners=partners,
                    by=request.user,
                    at=timezone.now(),
                )
                done = _("The programme was created.")
            else:
                saved = services.programme_update(
                    programme=programme,
                    details=form.details(),
                    partners=partners,
                    by=request.user,
                    at=timezone.now(),
                )
                done = _("The changes were saved.")
        except ValidationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, done)
            return redirect("programmes:detail", pk=saved.pk)
    return render(request, "programmes/form.html", {"form": form, "programme": programme})
