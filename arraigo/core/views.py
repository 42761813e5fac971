"""Pages of the core: the home page that sends each role to its work, and the audit log."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from arraigo.accounts.models import Role
from arraigo.accounts.permissions import membership_of, require_role
from arraigo.core.forms import AuditFilterForm
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.pagination import page_from_request
from arraigo.core.permissions import visible_audit_events

# Where each role starts its day.
START_PAGE: dict[str, str] = {
    Role.ADMIN: "cases:my_work",
    Role.MANAGER: "cases:my_work",
    Role.CASEWORKER: "cases:my_work",
    Role.PSYCHOSOCIAL: "cases:my_work",
    Role.EVALUATOR: "livelihoods:evaluations",
    Role.PARTNER: "referrals:list",
    Role.MONITORING: "programmes:list",
    Role.VIEWER: "programmes:list",
}


def home(request: AuthenticatedRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        return render(request, "core/no_membership.html", status=403)
    if membership.role in START_PAGE:
        return redirect(START_PAGE[membership.role])
    return render(request, "core/home.html")


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and the demo script: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, {Role.ADMIN})
    events = visible_audit_events(request.user).select_related("actor")
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        events = form.filter(events)
    page = page_from_request(request, events, ordering=["-at", "-id"], size=50)
    return render_page(
        request, "core/audit_log.html", {"form": form, "page": page}, partial="results"
    )
