"""Business plan pages: the plans of a call, a plan, and its form with the budget.

The budget's totals are computed by the server: as lines change (htmx posts the form and
swaps the totals in), with the "Recalculate" button without JavaScript, and again by the
service when the plan is saved.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.livelihoods import sectors, selectors, services
from arraigo.livelihoods.forms.plans import BudgetFormSet, PlanForm, budget_initial, plan_initial
from arraigo.livelihoods.models import Application, BusinessPlan, Call
from arraigo.livelihoods.permissions import access_application, access_call, access_plan
from arraigo.livelihoods.views.common import Refusal, flags, message_of


def plan_url(plan: BusinessPlan) -> str:
    return reverse("livelihoods:plan_detail", args=[plan.pk])


@require_GET
def plans(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk)
    return render(
        request,
        "livelihoods/plans.html",
        {
            "call": call,
            "plans": selectors.call_plans(user=request.user, call=call),
            **flags(request.user),
        },
    )


def _totals(call: Call, formset: Any) -> dict[str, Any]:
    lines = formset.readable_lines() if formset.is_bound else []
    totals = services.compute_totals(lines)
    return {"totals": totals, "over": totals.over(call.max_grant), "max_grant": call.max_grant}


def _plan_form(
    request: AuthenticatedRequest,
    *,
    application: Application,
    plan: BusinessPlan | None,
) -> HttpResponse:
    call = application.call
    data = request.POST if request.method == "POST" else None
    form = PlanForm(
        data,
        country=call.programme.country,
        initial=plan_initial(plan)
        if plan
        else {"municipality": application.participant.municipality_id, "jobs_created": 0},
    )
    formset = BudgetFormSet(data, prefix="budget", initial=budget_initial(plan) if plan else None)
    recalculate = request.method == "POST" and "recalculate" in request.POST
    if request.method == "POST" and not recalculate and form.is_valid() & formset.is_valid():
        try:
            if plan is None:
                plan = services.plan_create(
                    application=application,
                    details=form.details(),
                    lines=formset.lines(),
                    by=request.user,
                    at=timezone.now(),
                )
            else:
                services.plan_update(
                    plan=plan,
                    details=form.details(),
                    lines=formset.lines(),
                    by=request.user,
                    at=timezone.now(),
                )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The business plan was saved."))
            return redirect(plan_url(plan))
    context = {
        "form": form,
        "formset": formset,
        "application": application,
        "call": call,
        "plan": plan,
        "participant": application.participant,
        "action_url": request.path,
        **_totals(call, formset),
    }
    return render_page(request, "livelihoods/plan_form.html", context, partial="totals")


@require_http_methods(["GET", "POST"])
def plan_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    application = access_application(user=request.user, pk=pk, action="work")
    existing = BusinessPlan.objects.filter(application=application).first()
    if existing is not None:
        return redirect(plan_url(existing))
    return _plan_form(request, application=application, plan=None)


@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, action="work")
    if plan.status != BusinessPlan.Status.DRAFT:
        messages.error(request, _("This plan was already presented to the committee."))
        return redirect(plan_url(plan))
    return _plan_form(request, application=plan.application, plan=plan)


@require_GET
def plan_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk)
    call = plan.application.call
    award = selectors.plan_award(user=request.user, plan=plan)
    return render(
        request,
        "livelihoods/plan_detail.html",
        {
            "plan": plan,
            "call": call,
            "application": plan.application,
            "participant": plan.application.participant,
            "sector": sectors.section_title(plan.isic_section),
            "canvas": selectors.canvas(plan),
            "budget": selectors.plan_budget(plan=plan),
            "committee": selectors.committee_view(plan=plan),
            "award": award,
            **flags(request.user),
        },
    )


@require_POST
def plan_submit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, action="work")
    try:
        services.plan_submit(plan=plan, by=request.user, at=timezone.now())
    except Refusal as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The plan was presented to the committee."))
    return redirect(plan_url(plan))
