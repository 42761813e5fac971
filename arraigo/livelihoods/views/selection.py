"""Selection pages: applying for someone, the applications, the ranking with its breakdown
and quotas, approving the shortlist, and each application's own page and actions."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from arraigo.accounts.permissions import membership_of
from arraigo.core import search_terms
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.lookups import get_or_404
from arraigo.core.pagination import page_from_request
from arraigo.livelihoods import selectors, services
from arraigo.livelihoods.forms.selection import (
    ApplyForm,
    MotivationForm,
    ReferForm,
    SearchForm,
    WithdrawForm,
)
from arraigo.livelihoods.models import Application, Award, BusinessPlan
from arraigo.livelihoods.permissions import access_application, access_call
from arraigo.livelihoods.services import ALTERNATIVE_CATEGORIES, ReferralRequest
from arraigo.livelihoods.views.common import (
    Refusal,
    call_url,
    flags,
    form_page,
    message_of,
    referral_services,
)
from arraigo.people.permissions import visible_participants
from arraigo.people.search import search_participants


def _application_url(application: Application) -> str:
    return reverse("livelihoods:application_detail", args=[application.pk])


@require_http_methods(["GET", "POST"])
def apply(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """Apply to the call for someone: found by a search (kept out of the URL), or named by
    ``?participant=`` when coming from the person's page."""
    call = access_call(user=request.user, pk=pk, action="work")
    candidates = selectors.applicable_participants(
        call=call, participants=visible_participants(request.user)
    )
    if request.method == "POST" and "q" in request.POST:
        search = search_terms.posted(
            request, SearchForm(request.POST), list_url=reverse("livelihoods:apply", args=[call.pk])
        )
        return redirect(search.url)
    error = ""
    if request.method == "POST":
        form = ApplyForm(request.POST)
        if form.is_valid():
            participant = get_or_404(candidates, pk=form.cleaned_data["participant"])
            try:
                application = services.application_submit(
                    call=call, participant=participant, by=request.user, at=timezone.now()
                )
            except Refusal as refusal:
                error = message_of(refusal)
            else:
                if application.status == Application.Status.ELIGIBLE:
                    messages.success(request, _("The application was recorded: eligible."))
                else:
                    messages.warning(
                        request,
                        _("The application was recorded, but the person is not eligible: see why."),
                    )
                return redirect(_application_url(application))
    term = search_terms.recall(request, request.GET.get("s"))
    found: list[Any] = []
    truncated = False
    chosen = None
    if request.GET.get("participant"):
        chosen = get_or_404(candidates, pk=request.GET["participant"])
    elif term:
        membership = membership_of(request.user)
        result = search_participants(
            candidates,
            query=term,
            organisation_id=membership.organisation_id if membership else call.organisation_id,
        )
        found, truncated = result.participants, result.truncated
    return render(
        request,
        "livelihoods/apply.html",
        {
            "call": call,
            "search": SearchForm(initial={"q": term}),
            "term": term,
            "found": found,
            "truncated": truncated,
            "chosen": chosen,
            "error": error,
        },
    )


@require_GET
def applications(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk)
    status = request.GET.get("status", "")
    if status not in Application.Status.values:
        status = ""
    return render(
        request,
        "livelihoods/applications.html",
        {
            "call": call,
            "page": page_from_request(
                request,
                selectors.call_applications(user=request.user, call=call, status=status),
                ordering=selectors.APPLICATION_ORDERING,
            ),
            "status": status,
            "statuses": Application.Status.choices,
            "counts": selectors.status_counts(call=call),
            **flags(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def ranking(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """The ranking as last computed; POST computes it again (before approval, on demand)."""
    call = access_call(user=request.user, pk=pk)
    if request.method == "POST":
        call = access_call(user=request.user, pk=pk, action="decide")
        try:
            services.ranking_compute(call=call, by=request.user, at=timezone.now())
        except Refusal as error:
            messages.error(request, message_of(error))
        else:
            messages.success(request, _("The ranking was computed again."))
        if not request.htmx:
            return redirect(call_url(call, "ranking"))
    return render_page(
        request,
        "livelihoods/ranking.html",
        {"call": call, "ranking": selectors.ranking(call=call), **flags(request.user)},
        partial="ranking",
    )


@require_http_methods(["GET", "POST"])
def approve(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="decide")
    if request.method == "POST":
        try:
            services.selection_approve(call=call, by=request.user, at=timezone.now())
        except services.RankingChanged as error:
            # Show the manager the ranking as it is now, then let it approve that one.
            services.ranking_compute(call=call, by=request.user, at=timezone.now())
            messages.warning(request, error.message)
            return redirect(call_url(call, "ranking"))
        except Refusal as error:
            messages.error(request, message_of(error))
        else:
            messages.success(
                request,
                _("The selection was approved and frozen. The shortlist can work on plans."),
            )
            return redirect(call_url(call))
    return render(
        request,
        "livelihoods/approve.html",
        {"call": call, "ranking": selectors.ranking(call=call)},
    )


@require_GET
def application_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    application = access_application(user=request.user, pk=pk)
    call = application.call
    plan = BusinessPlan.objects.filter(application=application).first()
    awarded = plan is not None and Award.objects.filter(plan=plan).exists()
    return render(
        request,
        "livelihoods/application_detail.html",
        {
            "application": application,
            "call": call,
            "participant": application.participant,
            "row": selectors.application_detail(application=application),
            "plan": plan,
            "motivation_max": services.motivation_max(call),
            "may_withdraw": application.status in services.WITHDRAWABLE_STATUSES and not awarded,
            "may_refer": application.status in services.REFERRABLE_STATUSES
            and application.referral_id is None,
            **flags(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def motivation(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    application = access_application(user=request.user, pk=pk, action="work")
    maximum = services.motivation_max(application.call)
    form = MotivationForm(
        request.POST or None,
        maximum=maximum,
        initial={"motivation_score": application.motivation_score},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_record_motivation(
                application=application,
                score=form.cleaned_data["motivation_score"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The interview score was recorded."))
            return redirect(_application_url(application))
    return form_page(
        request,
        form=form,
        heading=_("Motivation interview"),
        intro=_("The score counts at the next ranking."),
        call=application.call,
        back=_application_url(application),
    )


@require_http_methods(["GET", "POST"])
def withdraw(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    application = access_application(user=request.user, pk=pk, action="work")
    form = WithdrawForm(request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            promoted = services.application_withdraw(
                application=application,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["withdrawn_on"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The withdrawal was recorded."))
            if promoted is not None:
                messages.info(
                    request,
                    _("The place went to no. %(rank)s of the waiting list.")
                    % {"rank": promoted.rank},
                )
            return redirect(_application_url(application))
    return form_page(
        request,
        form=form,
        heading=_("The person withdraws"),
        intro=_("A selected person's place goes to the first on the waiting list."),
        call=application.call,
        back=_application_url(application),
    )


@require_http_methods(["GET", "POST"])
def refer(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    application = access_application(user=request.user, pk=pk, action="work")
    form = ReferForm(
        request.POST or None,
        services=referral_services(request.user, categories=ALTERNATIVE_CATEGORIES),
    )
    if request.method == "POST" and form.is_valid():
        service = form.cleaned_data["service"]
        try:
            services.application_refer(
                application=application,
                request=ReferralRequest(
                    provider=service.provider,
                    service=service,
                    reason=form.cleaned_data["reason"],
                    urgency=form.cleaned_data["urgency"],
                ),
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The person was referred."))
            return redirect(_application_url(application))
    return form_page(
        request,
        form=form,
        heading=_("Refer to training or employment instead"),
        intro=_(
            "The referral is sent from the person's case, with the consent it needs; the "
            "provider sees only what a referral shows."
        ),
        call=application.call,
        back=_application_url(application),
    )
