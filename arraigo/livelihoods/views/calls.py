"""Call pages: the list, a call, its details form and its configuration (rules, criteria,
quotas, rubric), the programme's follow-up settings, and the indicators."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.accounts.permissions import membership_of, require_role
from arraigo.core.http import AuthenticatedRequest
from arraigo.learning.models import Course
from arraigo.learning.selectors import courses_of_programme
from arraigo.livelihoods import selectors, services
from arraigo.livelihoods.forms.calls import (
    CallForm,
    CriteriaForm,
    FollowUpSettingsForm,
    QuotasForm,
    RubricFormSet,
    RubricSettingsForm,
    RulesForm,
    call_initial,
    criteria_initial,
    quotas_initial,
    rules_initial,
)
from arraigo.livelihoods.indicators import call_indicators, hides_small_cells
from arraigo.livelihoods.models import Application, Call
from arraigo.livelihoods.permissions import DECIDER_ROLES, INDICATOR_ROLES, access_call, may
from arraigo.livelihoods.rules import describe_rule, quota_label
from arraigo.livelihoods.views.common import Refusal, call_url, flags, form_page, message_of
from arraigo.programmes.permissions import access_programme, visible_programmes


@require_GET
def call_list(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, INDICATOR_ROLES)
    return render(
        request,
        "livelihoods/list.html",
        {"calls": selectors.call_list(user=request.user), **flags(request.user)},
    )


@require_GET
def call_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk)
    counts = selectors.status_counts(call=call)
    return render(
        request,
        "livelihoods/call_detail.html",
        {
            "call": call,
            "counts": [
                (value, label, counts[value])
                for value, label in Application.Status.choices
                if counts[value]
            ],
            "rules": [
                (rule.get_kind_display(), describe_rule(rule.kind, rule.params))
                for rule in call.eligibility_rules.all()
            ],
            "criteria": call.priority_criteria.all(),
            "quotas": [quota_label(q.kind, q.value, q.min_percent) for q in call.quotas.all()],
            "rubric": call.rubric.all(),
            "courses": call.required_courses.order_by("code"),
            **flags(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def call_new(request: AuthenticatedRequest) -> HttpResponse:
    membership = require_role(request.user, DECIDER_ROLES)
    programmes = visible_programmes(request.user).order_by("name")
    try:
        programme = programmes.filter(pk=request.GET["programme"]).first()
    except (KeyError, ValidationError):
        programme = None
    form = CallForm(
        request.POST or None,
        programmes=programmes,
        # The service checks the courses chosen are of the call's programme.
        courses=Course.objects.filter(programme__in=programmes, is_active=True).order_by(
            "programme__code", "code"
        ),
        initial={
            "programme": programme,
            "currency": programme.currency if programme else "USD",
            "waiting_list_size": 0,
            "courses_before_plan": True,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(
                programme=form.cleaned_data["programme"],
                organisation=membership.organisation,
                details=form.details(),
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("The call was created as a draft, with the default rules, criteria and rubric."),
            )
            return redirect(call_url(call))
    return render(request, "livelihoods/call_form.html", {"form": form, "call": None})


@require_http_methods(["GET", "POST"])
def call_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="configure")
    form = CallForm(
        request.POST or None,
        programmes=None,
        courses=courses_of_programme(programme=call.programme) | call.required_courses.all(),
        initial=call_initial(call),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.call_update(
                call=call, details=form.details(), by=request.user, at=timezone.now()
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The call was saved."))
            return redirect(call_url(call))
    return render(request, "livelihoods/call_form.html", {"form": form, "call": call})


@require_POST
def call_open(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="configure")
    try:
        services.call_open(call=call, by=request.user, at=timezone.now())
    except Refusal as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The call is open for applications."))
    return redirect(call_url(call))


@require_POST
def call_close(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="configure")
    try:
        services.call_close(call=call, by=request.user, at=timezone.now())
    except Refusal as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The call is closed."))
    return redirect(call_url(call))


def _sections_page(
    request: AuthenticatedRequest, call: Call, form: Any, heading: str, intro: str
) -> HttpResponse:
    return render(
        request,
        "livelihoods/sections_form.html",
        {"call": call, "form": form, "heading": heading, "intro": intro},
    )


@require_http_methods(["GET", "POST"])
def call_rules(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="configure")
    form = RulesForm(
        request.POST or None, country=call.programme.country, initial=rules_initial(call)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.eligibility_rules_save(
                call=call, rows=form.rows(), by=request.user, at=timezone.now()
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The eligibility rules were saved."))
            return redirect(call_url(call))
    return _sections_page(
        request,
        call,
        form,
        _("Eligibility rules"),
        _("Every applicant must meet each rule in use; who does not is told why, rule by rule."),
    )


@require_http_methods(["GET", "POST"])
def call_criteria(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="configure")
    form = CriteriaForm(request.POST or None, initial=criteria_initial(call))
    if request.method == "POST" and form.is_valid():
        try:
            services.priority_criteria_save(
                call=call, rows=form.rows(), by=request.user, at=timezone.now()
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The prioritisation criteria were saved."))
            return redirect(call_url(call))
    return _sections_page(
        request,
        call,
        form,
        _("Prioritisation criteria"),
        _(
            "Each eligible applicant earns up to the weight of each criterion; the ranking is "
            "by the total."
        ),
    )


@require_http_methods(["GET", "POST"])
def call_quotas(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="configure")
    form = QuotasForm(request.POST or None, initial=quotas_initial(call))
    if request.method == "POST" and form.is_valid():
        try:
            services.quotas_save(call=call, rows=form.rows(), by=request.user, at=timezone.now())
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The quotas were saved."))
            return redirect(call_url(call))
    return form_page(
        request,
        form=form,
        heading=_("Quotas"),
        intro=_(
            "A quota keeps a share of the places for a group. When the best-ranked do not fill "
            "it, the best-ranked of the group move up, in place of the lowest-ranked others; the "
            "ranking page shows each move. 0: no quota."
        ),
        call=call,
        back=call_url(call),
    )


@require_http_methods(["GET", "POST"])
def call_rubric(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="configure")
    data = request.POST if request.method == "POST" else None
    rubric = list(call.rubric.all())
    formset = RubricFormSet(
        data,
        prefix="rubric",
        initial=[
            {
                "code": c.code,
                "label_es": c.label_es,
                "label_en": c.label_en,
                "weight": c.weight,
                "order": c.order,
            }
            for c in rubric
        ],
    )
    settings_form = RubricSettingsForm(
        data,
        initial={
            "scale_max": call.score_scale_max,
            "pass_mark": call.pass_mark,
            "evaluations_required": call.evaluations_required,
        },
    )
    if request.method == "POST" and formset.is_valid() & settings_form.is_valid():
        try:
            services.rubric_save(
                call=call,
                rows=formset.rows(),
                scale_max=settings_form.cleaned_data["scale_max"],
                pass_mark=settings_form.cleaned_data["pass_mark"],
                evaluations_required=settings_form.cleaned_data["evaluations_required"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            settings_form.add_application_error(error)
        else:
            messages.success(request, _("The rubric was saved."))
            return redirect(call_url(call))
    return render(
        request,
        "livelihoods/rubric.html",
        {
            "call": call,
            "formset": formset,
            "settings_form": settings_form,
            "total_weight": sum(c.weight for c in rubric),
        },
    )


@require_http_methods(["GET", "POST"])
def follow_up_settings(request: AuthenticatedRequest, programme_pk: object) -> HttpResponse:
    programme = access_programme(user=request.user, pk=programme_pk, action="configure")
    if not may(request.user, "configure"):
        raise PermissionDenied
    current = services.settings_of(programme)
    form = FollowUpSettingsForm(
        request.POST or None,
        initial={
            "visit_months": ", ".join(str(m) for m in current.visit_months),
            "needs_recent_sale": current.needs_recent_sale,
            "needs_profit": current.needs_profit,
            "min_monthly_sales": current.min_monthly_sales,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_settings_save(
                programme=programme,
                visit_months=form.cleaned_data["visit_months"],
                needs_recent_sale=form.cleaned_data["needs_recent_sale"],
                needs_profit=form.cleaned_data["needs_profit"],
                min_monthly_sales=form.cleaned_data["min_monthly_sales"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The follow-up settings were saved."))
            return redirect("livelihoods:follow_up_settings", programme_pk=programme.pk)
    return render(
        request,
        "livelihoods/follow_up_settings.html",
        {"programme": programme, "form": form, "saved": not current._state.adding},
    )


@require_GET
def indicators(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    call = access_call(user=request.user, pk=pk, action="indicators")
    membership = membership_of(request.user)
    hide_small = hides_small_cells(membership.role if membership else None)
    return render(
        request,
        "livelihoods/indicators.html",
        {
            "call": call,
            "indicators": call_indicators(call=call, hide_small=hide_small),
            "hide_small": hide_small,
            **flags(request.user),
        },
    )
