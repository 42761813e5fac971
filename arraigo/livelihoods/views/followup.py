"""Follow-up pages: recording a visit to a funded business, or that it could not be done."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from arraigo.core.http import AuthenticatedRequest
from arraigo.livelihoods import services
from arraigo.livelihoods.forms.followup import MissedForm, VisitForm
from arraigo.livelihoods.models import FollowUpVisit
from arraigo.livelihoods.permissions import access_visit
from arraigo.livelihoods.views.awards import award_url
from arraigo.livelihoods.views.common import Refusal, form_page, referral_services


@require_http_methods(["GET", "POST"])
def visit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    visit = access_visit(user=request.user, pk=pk, action="work")
    award = visit.award
    programme = award.plan.application.call.programme
    form = VisitForm(
        request.POST or None,
        services=referral_services(request.user),
        initial={"visited_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record(
                visit=visit,
                findings=form.findings(),
                referral=form.referral(),
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            visit.refresh_from_db()
            if visit.operating:
                messages.success(request, _("The visit was recorded: the business is operating."))
            else:
                messages.warning(
                    request, _("The visit was recorded: the business is not operating.")
                )
            return redirect(award_url(award))
    return render(
        request,
        "livelihoods/visit_form.html",
        {
            "visit": visit,
            "award": award,
            "plan": award.plan,
            "call": award.plan.application.call,
            "participant": award.plan.application.participant,
            "settings": services.settings_of(programme),
            "form": form,
            "done": visit.status != FollowUpVisit.Status.SCHEDULED,
        },
    )


@require_http_methods(["GET", "POST"])
def visit_missed(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    visit = access_visit(user=request.user, pk=pk, action="work")
    form = MissedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_mark_missed(
                visit=visit, notes=form.cleaned_data["notes"], by=request.user, at=timezone.now()
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The visit was recorded as not done."))
            return redirect(award_url(visit.award))
    return form_page(
        request,
        form=form,
        heading=_("The visit could not be done"),
        call=visit.award.plan.application.call,
        back=award_url(visit.award),
    )
