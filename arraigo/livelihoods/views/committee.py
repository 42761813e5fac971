"""Committee pages: an evaluator's queue and its plan (declaration, then scores), and for
programme management the evaluators of a plan and the decision, with the spread shown."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.accounts.permissions import require_role
from arraigo.core.http import AuthenticatedRequest
from arraigo.livelihoods import selectors, services
from arraigo.livelihoods.forms.committee import AssignForm, ConflictForm, DecisionForm, ScoreForm
from arraigo.livelihoods.models import BusinessPlan, Evaluation, EvaluatorAssignment
from arraigo.livelihoods.permissions import EVALUATOR_ROLES, access_assignment, access_plan
from arraigo.livelihoods.views.common import Refusal, form_page
from arraigo.livelihoods.views.plans import plan_url


def _assignment_url(assignment: EvaluatorAssignment) -> str:
    return reverse("livelihoods:evaluation", args=[assignment.pk])


@require_GET
def evaluations(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, EVALUATOR_ROLES)
    return render(
        request,
        "livelihoods/evaluations.html",
        {"assignments": selectors.evaluator_queue(user=request.user)},
    )


def _score_form(assignment: EvaluatorAssignment, data: object = None) -> ScoreForm:
    call = assignment.plan.application.call
    return ScoreForm(data, criteria=list(call.rubric.all()), scale_max=call.score_scale_max)


def _evaluation_page(
    request: AuthenticatedRequest,
    assignment: EvaluatorAssignment,
    *,
    conflict_form: ConflictForm | None = None,
    score_form: ScoreForm | None = None,
) -> HttpResponse:
    own = (
        Evaluation.objects.filter(assignment=assignment)
        .prefetch_related("scores__criterion")
        .first()
    )
    call = assignment.plan.application.call
    return render(
        request,
        "livelihoods/evaluation.html",
        {
            "assignment": assignment,
            "view": selectors.plan_for_evaluator(assignment=assignment),
            "call": call,
            "own": own,
            "own_scores": {s.criterion.code: s.score for s in own.scores.all()} if own else {},
            "criteria": list(call.rubric.all()),
            "others": selectors.others_evaluations(assignment=assignment),
            "conflict_form": conflict_form or ConflictForm(),
            "score_form": score_form or _score_form(assignment),
            "with_committee": assignment.plan.status == BusinessPlan.Status.SUBMITTED,
        },
    )


@require_GET
def evaluation(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    assignment = access_assignment(user=request.user, pk=pk)
    return _evaluation_page(request, assignment)


@require_POST
def evaluation_conflict(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    assignment = access_assignment(user=request.user, pk=pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_declare(
                assignment=assignment,
                has_conflict=form.cleaned_data["has_conflict"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Your declaration was recorded."))
            return redirect(_assignment_url(assignment))
    return _evaluation_page(request, assignment, conflict_form=form)


@require_POST
def evaluation_score(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    assignment = access_assignment(user=request.user, pk=pk)
    form = _score_form(assignment, request.POST)
    if form.is_valid():
        try:
            services.evaluation_submit(
                assignment=assignment,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, _("Your evaluation was submitted. The other scores are now shown.")
            )
            return redirect(_assignment_url(assignment))
    return _evaluation_page(request, assignment, score_form=form)


@require_http_methods(["GET", "POST"])
def plan_evaluators(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, action="decide")
    form = AssignForm(request.POST or None, evaluators=selectors.assignable_evaluators(plan=plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluator_assign(
                plan=plan,
                evaluator=form.cleaned_data["evaluator"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The evaluator was assigned."))
            return redirect(reverse("livelihoods:plan_evaluators", args=[plan.pk]))
    committee = selectors.committee_view(plan=plan)
    return form_page(
        request,
        form=form,
        heading=_("Evaluators of plan %(label)s") % {"label": plan.label},
        intro=_(
            "%(assigned)s assigned; %(needed)s evaluations are needed. An evaluator who "
            "declares a conflict of interest does not score: assign another."
        )
        % {"assigned": len(committee.assignments), "needed": committee.required},
        call=plan.application.call,
        back=plan_url(plan),
        submit=_("Assign"),
    )


@require_http_methods(["GET", "POST"])
def plan_decide(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, action="decide")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_decide(
                plan=plan, decision=form.decision(), by=request.user, at=timezone.now()
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect(plan_url(plan))
    return render(
        request,
        "livelihoods/decision.html",
        {
            "plan": plan,
            "call": plan.application.call,
            "committee": selectors.committee_view(plan=plan),
            "form": form,
        },
    )
