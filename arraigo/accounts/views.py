"""The user's own account page and the ADMIN's team pages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from arraigo.accounts import services
from arraigo.accounts.forms import MemberForm, NewMemberForm
from arraigo.accounts.models import Membership, Organisation, Role
from arraigo.accounts.permissions import access_member, membership_of, require_role, visible_members
from arraigo.api.base import may_use_api
from arraigo.core.errors import ApplicationError
from arraigo.core.forms import Form
from arraigo.core.http import AuthenticatedRequest
from arraigo.programmes.models import Programme
from arraigo.programmes.permissions import visible_programmes


def profile(request: AuthenticatedRequest) -> HttpResponse:
    membership = membership_of(request.user)
    programmes = visible_programmes(request.user) if membership else []
    return render(
        request,
        "accounts/profile.html",
        {"programmes": programmes, "uses_api": may_use_api(request.user)},
    )


def team(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, {Role.ADMIN})
    members = visible_members(request.user).prefetch_related("assignments__programme")
    return render(request, "accounts/team.html", {"members": members.order_by("user__full_name")})


@require_http_methods(["GET", "POST"])
def member_new(request: AuthenticatedRequest) -> HttpResponse:
    admin = require_role(request.user, {Role.ADMIN})
    programmes = visible_programmes(request.user)
    form = NewMemberForm(request.POST or None, programmes=programmes)
    if (
        request.method == "POST"
        and form.is_valid()
        and create_account(
            request,
            form,
            organisation=admin.organisation,
            role=form.cleaned_data["role"],
            programmes=list(form.cleaned_data["programmes"]),
        )
    ):
        return redirect("accounts:team")
    return render(request, "accounts/member_form.html", {"form": form, "member": None})


@require_http_methods(["GET", "POST"])
def member_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    member = access_member(user=request.user, pk=pk)
    programmes = visible_programmes(request.user)
    initial = {
        "full_name": member.user.full_name,
        "email": member.user.email,
        "role": member.role,
        "programmes": [a.programme_id for a in member.assignments.all()],
    }
    form = MemberForm(request.POST or None, initial=initial, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                membership=member,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                programmes=list(form.cleaned_data["programmes"]),
                by=request.user,
                at=timezone.now(),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("accounts:team")
    return render(request, "accounts/member_form.html", {"form": form, "member": member})


@require_POST
def member_set_active(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    member = access_member(user=request.user, pk=pk)
    set_account_active(request, member)
    return redirect("accounts:team")


# --- Shared with the service directory, where an ADMIN manages partner staff's accounts ---------


def create_account(
    request: AuthenticatedRequest,
    form: Form,
    *,
    organisation: Organisation,
    role: str,
    programmes: list[Programme],
) -> bool:
    """Create the account *form* describes (name, e-mail, first password) and say so.

    A refusal is shown on the form instead, and the answer is False.
    """
    try:
        services.member_create(
            organisation=organisation,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=role,
            password=form.cleaned_data["password"],
            programmes=programmes,
            by=request.user,
            at=timezone.now(),
        )
    except (ApplicationError, ValidationError) as error:
        form.add_application_error(error)
        return False
    messages.success(request, _("The account was created."))
    return True


def set_account_active(request: AuthenticatedRequest, member: Membership) -> None:
    """Let *member* sign in again, or stop them, as the POSTed ``active`` says; say how it went."""
    active = request.POST.get("active") == "1"
    try:
        services.member_set_active(
            membership=member, active=active, by=request.user, at=timezone.now()
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The account can sign in again.") if active else _("The account was deactivated."),
        )
