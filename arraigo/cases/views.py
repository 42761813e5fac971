"""Case pages: my work, the list, opening a case, the case page and its forms, the criteria.

Every form posts normally and redirects; with htmx, the same views answer the changed part
of the page (a ``{% partialdef %}`` of the same template) so caseworkers on slow connections
do not reload the whole case.
"""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.accounts.models import User
from arraigo.accounts.permissions import CASE_ROLES, require_role
from arraigo.cases import selectors, services
from arraigo.cases.forms import (
    ActionForm,
    ActionStatusForm,
    AssignForm,
    CaseFilterForm,
    CaseOpenForm,
    CloseForm,
    CriterionForm,
    CriterionFormSet,
    GoalForm,
    NeedsForm,
    NoteForm,
    ScreeningForm,
    SearchForm,
    ThresholdsForm,
)
from arraigo.cases.models import (
    DEFAULT_HIGH_FROM,
    DEFAULT_MEDIUM_FROM,
    NEEDS_BY_DIMENSION,
    Case,
    Dimension,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
)
from arraigo.cases.permissions import access_case, may, reads_restricted_notes, visible_notes
from arraigo.cases.timeline import describe
from arraigo.core import search_terms
from arraigo.core.errors import ApplicationError
from arraigo.core.htmx import render_page
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.lookups import get_or_404
from arraigo.core.pagination import page_from_request
from arraigo.livelihoods.selectors import visits_due
from arraigo.people.permissions import access_participant, visible_participants
from arraigo.people.search import search_participants
from arraigo.programmes.permissions import access_programme, visible_programmes
from arraigo.referrals.selectors import case_referrals, referrals_awaiting_answer

NOTES_ON_CASE_PAGE = 5
EVENTS_ON_CASE_PAGE = 15

# --- My work and the list -----------------------------------------------------------------------


# "My work" shows the most urgent items; the full lists are one click away.
MY_WORK_ITEMS = 20


def _my_work_actions(user: User, today: datetime.date) -> dict[str, Any]:
    due = selectors.my_due_actions(user=user, today=today)
    return {"actions": list(due[:MY_WORK_ITEMS]), "actions_count": due.count()}


@require_GET
def my_work(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, CASE_ROLES)
    today = timezone.localdate()
    my_cases = selectors.my_cases(user=request.user, today=today)
    context = {
        "today": today,
        "oversees": selectors.oversees_programmes(request.user),
        **_my_work_actions(request.user, today),
        "my_cases": my_cases[:MY_WORK_ITEMS],
        "my_cases_count": my_cases.count(),
        "referrals": referrals_awaiting_answer(user=request.user)[:MY_WORK_ITEMS],
        "referrals_count": referrals_awaiting_answer(user=request.user).count(),
        "seed_capital_visits": visits_due(user=request.user, today=today),
        "programme_counts": selectors.programme_case_counts(user=request.user),
        "unassigned": selectors.unassigned_cases(user=request.user)[:10]
        if may(request.user, "assign")
        else [],
    }
    return render(request, "cases/my_work.html", context)


def _filters(form: CaseFilterForm) -> dict[str, Any]:
    if not form.is_valid():
        return {}
    data = form.cleaned_data
    return {
        "status": data["status"],
        "programme": data["programme"],
        "assigned": data["assigned"],
        "overdue": data["overdue"],
    }


@require_http_methods(["GET", "POST"])
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    membership = require_role(request.user, CASE_ROLES)
    programmes = visible_programmes(request.user).order_by("name")
    staff = selectors.staff_for_programmes(user=request.user, programmes=programmes)
    if request.method == "POST":
        search = search_terms.posted(
            request, SearchForm(request.POST), list_url=reverse("cases:list")
        )
        return redirect(search.url)
    filters = CaseFilterForm(request.GET or None, programmes=programmes, staff=staff)
    term = search_terms.recall(request, request.GET.get("s"))
    participants = None
    truncated = False
    if term:
        found = search_participants(
            visible_participants(request.user),
            query=term,
            organisation_id=membership.organisation_id,
        )
        participants = [p.pk for p in found.participants]
        truncated = found.truncated
    today = timezone.localdate()
    cases = selectors.case_list(
        user=request.user,
        filters=selectors.CaseFilters(**_filters(filters), participants=participants),
        today=today,
    )
    page = page_from_request(request, cases, ordering=selectors.CASE_LIST_ORDERING)
    context = {
        "filters": filters,
        "search": SearchForm(initial={"q": term}),
        "term": term,
        "token": request.GET.get("s", "") if term else "",
        "truncated": truncated,
        "page": page,
        "today": today,
    }
    return render_page(request, "cases/list.html", context, partial="results")


# --- Opening a case -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, CASE_ROLES)
    participant = access_participant(user=request.user, pk=request.GET.get("participant"))
    programmes = (
        visible_programmes(request.user)
        .filter(enrolments__participant=participant)
        .order_by("name")
    )
    staff = selectors.staff_for_programmes(user=request.user, programmes=programmes)
    initial: dict[str, Any] = {"opened_on": timezone.localdate()}
    if staff.filter(pk=request.user.pk).exists():
        initial["assigned_to"] = request.user.pk
    if programmes.count() == 1:
        initial["programme"] = programmes.first()
    form = CaseOpenForm(request.POST or None, programmes=programmes, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                participant=participant,
                programme=data["programme"],
                intake_channel=data["intake_channel"],
                intake_summary=data["intake_summary"],
                assigned_to=data["assigned_to"],
                opened_on=data["opened_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The case was opened."))
            return redirect("cases:detail", pk=case.pk)
    existing = selectors.participant_cases(user=request.user, participant=participant)
    return render(
        request,
        "cases/new.html",
        {"form": form, "participant": participant, "existing": existing},
    )


# --- The case page ------------------------------------------------------------------------------


class _GoalRow:
    """A goal with its actions and the form to add one more, for the plan section."""

    def __init__(self, row: selectors.GoalWithActions, form: ActionForm) -> None:
        self.goal = row.goal
        self.actions = row.actions
        self.done = row.done
        self.counted = row.counted
        self.form = form


def _staff(case: Case) -> Any:
    return selectors.programme_staff(programme=case.programme, organisation_id=case.organisation_id)


def _action_form(goal: PlanGoal, staff: Any, data: Any = None) -> ActionForm:
    return ActionForm(data, staff=staff, prefix=f"goal-{goal.pk}")


def _plan_context(
    request: AuthenticatedRequest,
    case: Case,
    *,
    goal_form: GoalForm | None = None,
    failed_action_form: tuple[PlanGoal, ActionForm] | None = None,
    announcement: str = "",
) -> dict[str, Any]:
    staff = _staff(case)
    plan = []
    for dimension in selectors.case_plan(case=case):
        rows = []
        for row in dimension.goals:
            if failed_action_form and failed_action_form[0].pk == row.goal.pk:
                form = failed_action_form[1]
            else:
                form = _action_form(row.goal, staff)
                form.initial = {"responsible": case.assigned_to_id or request.user.pk}
            rows.append(_GoalRow(row, form))
        plan.append({"dimension": dimension.dimension, "label": dimension.label, "goals": rows})
    return {
        "case": case,
        "plan": plan,
        "has_goals": any(d["goals"] for d in plan),
        "goal_form": goal_form or GoalForm(),
        "plan_announcement": announcement,
        "today": timezone.localdate(),
        **_flags(request, case),
    }


def _flags(request: AuthenticatedRequest, case: Case) -> dict[str, Any]:
    is_open = case.status != Case.Status.CLOSED
    return {
        "can_change": may(request.user, "change") and is_open,
        "can_assign": may(request.user, "assign") and is_open,
        "can_close": may(request.user, "close"),
        "is_closed": not is_open,
    }


def _notes_context(
    request: AuthenticatedRequest,
    case: Case,
    *,
    note_form: NoteForm | None = None,
    announcement: str = "",
) -> dict[str, Any]:
    notes = selectors.latest_notes(user=request.user, case=case, limit=NOTES_ON_CASE_PAGE)
    return {
        "case": case,
        "notes": notes,
        "notes_count": visible_notes(request.user, case).count(),
        "note_form": note_form or NoteForm(may_restrict=reads_restricted_notes(request.user)),
        "notes_announcement": announcement,
        **_flags(request, case),
    }


def _record_reads(request: AuthenticatedRequest, targets: list[Any]) -> None:
    if targets:
        services.sensitive_reads_record(targets=targets, by=request.user, at=timezone.now())


def _labels_of_answers(case: Case, screening: Any) -> list[str]:
    if screening is None:
        return []
    labels = {c.code: c.label for c in case.programme.vulnerability_criteria.all()}
    return [labels.get(code, code) for code, yes in sorted(screening.answers.items()) if yes]


def _needs_rows(assessment: NeedsAssessment | None) -> list[dict[str, Any]]:
    if assessment is None:
        return []
    rows = []
    for value, label in Dimension.choices:
        prefix = value.lower()
        choices = NEEDS_BY_DIMENSION[value]
        rows.append(
            {
                "label": label,
                "level": getattr(assessment, f"get_{prefix}_level_display")(),
                "level_value": getattr(assessment, f"{prefix}_level"),
                "needs": [
                    str(choices(code).label)
                    for code in getattr(assessment, f"{prefix}_needs") or []
                    if code in choices.values
                ],
                "notes": getattr(assessment, f"{prefix}_notes"),
            }
        )
    return rows


def _detail_context(request: AuthenticatedRequest, case: Case, **forms: Any) -> dict[str, Any]:
    """Everything the case page shows; records the reads of sensitive content it shows."""
    assessments = list(selectors.needs_assessments(case=case)[:10])
    screenings = list(selectors.screenings(case=case)[:10])
    latest_needs = assessments[0] if assessments else None
    latest_screening = screenings[0] if screenings else None
    events = selectors.case_timeline(user=request.user, case=case)[:EVENTS_ON_CASE_PAGE]
    context: dict[str, Any] = {
        **_plan_context(
            request,
            case,
            goal_form=forms.get("goal_form"),
            failed_action_form=forms.get("failed_action_form"),
        ),
        **_notes_context(request, case, note_form=forms.get("note_form")),
        "participant": case.participant,
        "latest_needs": latest_needs,
        "needs_rows": _needs_rows(latest_needs),
        "assessments": assessments,
        "latest_screening": latest_screening,
        "screening_yes": _labels_of_answers(case, latest_screening),
        "screenings": screenings,
        "timeline": describe(events),
        "case_referrals": case_referrals(user=request.user, case=case),
        "can_configure": _configurable(request.user, case.programme_id),
    }
    reads: list[Any] = list(context["notes"])
    if case.intake_summary:
        reads.append(case)
    if latest_needs and (latest_needs.psychosocial_notes or latest_needs.psychosocial_needs):
        reads.append(latest_needs)
    if latest_screening:
        reads.append(latest_screening)
    _record_reads(request, reads)
    return context


def _configurable(user: User, programme_id: object) -> bool:
    try:
        access_programme(user=user, pk=programme_id, action="configure")
    except Http404:
        return False
    return True


@require_GET
def case_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _back_to(case: Case, section: str) -> HttpResponse:
    return redirect(reverse("cases:detail", args=[case.pk]) + f"#{section}")


@require_POST
def case_activate(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    try:
        services.case_activate(case=case, by=request.user, at=timezone.now())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The case is active."))
    return _back_to(case, "summary")


@require_http_methods(["GET", "POST"])
def case_assign(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="assign")
    form = AssignForm(
        request.POST or None, staff=_staff(case), initial={"assigned_to": case.assigned_to_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.case_assign(
                case=case,
                caseworker=form.cleaned_data["assigned_to"],
                by=request.user,
                at=timezone.now(),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The caseworker was changed."))
            return _back_to(case, "summary")
    return _case_form(request, case, form, _("Assign the case"), "cases:assign")


@require_http_methods(["GET", "POST"])
def case_close(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="close")
    form = CloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close(
                case=case,
                reason=form.cleaned_data["closure_reason"],
                closed_on=form.cleaned_data["closed_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The case was closed."))
            return _back_to(case, "summary")
    intro = _(
        "A closed case keeps its plan, notes and history, but takes no new actions or notes "
        "until it is reopened."
    )
    open_actions = case.plan_actions.filter(status__in=PlanAction.OPEN_STATUSES).count()
    if open_actions:
        intro += " " + _("%(count)s plan actions are still open.") % {"count": open_actions}
    return _case_form(request, case, form, _("Close the case"), "cases:close", intro=intro)


@require_POST
def case_reopen(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="close")
    try:
        services.case_reopen(case=case, by=request.user, at=timezone.now())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The case was reopened."))
    return _back_to(case, "summary")


def _case_form(
    request: AuthenticatedRequest,
    case: Case,
    form: Any,
    heading: str,
    url_name: str,
    *,
    intro: str = "",
    url_args: list[Any] | None = None,
    template: str = "cases/case_form.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A short form about one case, on its own small page."""
    return render(
        request,
        template,
        {
            "case": case,
            "participant": case.participant,
            "form": form,
            "heading": heading,
            "intro": intro,
            "action_url": reverse(url_name, args=url_args or [case.pk]),
            **(extra or {}),
        },
    )


# --- Needs and vulnerability --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def needs_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    form = NeedsForm(request.POST or None, initial={"assessed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.needs_assessment_record(
                case=case, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The needs assessment was recorded."))
            return _back_to(case, "needs")
    return _case_form(
        request,
        case,
        form,
        _("Needs assessment"),
        "cases:needs_new",
        template="cases/needs_form.html",
    )


@require_http_methods(["GET", "POST"])
def screening_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    today = timezone.localdate()
    criteria = selectors.active_criteria(programme=case.programme)
    suggested = selectors.screening_suggestions(case=case, on=today)
    initial: dict[str, Any] = {"screened_on": today}
    initial.update({f"c_{c.code}": True for c in criteria if c.code in suggested})
    form = ScreeningForm(request.POST or None, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.vulnerability_screening_record(
                case=case,
                answers=form.answers(),
                screened_on=form.cleaned_data["screened_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The screening was recorded."))
            return _back_to(case, "vulnerability")
    return _case_form(
        request,
        case,
        form,
        _("Vulnerability screening"),
        "cases:screening_new",
        template="cases/screening_form.html",
        extra={
            "suggested": bool(suggested),
            "thresholds": selectors.thresholds_of(programme=case.programme),
        },
    )


# --- Plan ---------------------------------------------------------------------------------------


def _section_response(
    request: AuthenticatedRequest,
    case: Case,
    section: str,
    *,
    announcement: str = "",
    **forms: Any,
) -> HttpResponse:
    """The case page after a form of *section* (``plan`` or ``notes``) was sent.

    An htmx request gets that section alone, rebuilt; any other request the whole page, with
    the form and its errors in place.
    """
    if not request.htmx:
        context = _detail_context(request, case, **forms)
    elif section == "plan":
        context = _plan_context(
            request,
            case,
            goal_form=forms.get("goal_form"),
            failed_action_form=forms.get("failed_action_form"),
            announcement=announcement,
        )
    else:
        context = _notes_context(
            request, case, note_form=forms.get("note_form"), announcement=announcement
        )
        _record_reads(request, list(context["notes"]))
    return render_page(request, "cases/detail.html", context, partial=section)


def _saved(request: AuthenticatedRequest, case: Case, section: str, done: str) -> HttpResponse:
    """After a form of *section* was saved: htmx gets the section rebuilt, announcing *done*;
    any other request goes back to that section of the page, with *done* shown there."""
    if request.htmx:
        return _section_response(request, case, section, announcement=done)
    messages.success(request, done)
    return _back_to(case, section)


@require_POST
def goal_add(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            services.plan_goal_add(
                case=case,
                dimension=form.cleaned_data["dimension"],
                description=form.cleaned_data["description"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            return _saved(request, case, "plan", _("The goal was added."))
    return _section_response(request, case, "plan", goal_form=form)


@require_POST
def action_add(request: AuthenticatedRequest, pk: object, goal_pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    goal = get_or_404(case.goals.all(), pk=goal_pk)
    form = _action_form(goal, _staff(case), request.POST)
    if form.is_valid():
        try:
            services.plan_action_add(
                goal=goal,
                description=form.cleaned_data["description"],
                responsible=form.cleaned_data["responsible"],
                due_on=form.cleaned_data["due_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            return _saved(request, case, "plan", _("The action was added."))
    return _section_response(request, case, "plan", failed_action_form=(goal, form))


@require_POST
def action_status(request: AuthenticatedRequest, pk: object, action_pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    action = get_or_404(case.plan_actions.select_related("case__programme"), pk=action_pk)
    from_my_work = request.POST.get("next") == "my_work"
    form = ActionStatusForm(request.POST)
    message = ""
    if not form.is_valid():
        message = _("Choose a status.")
    else:
        try:
            services.plan_action_set_status(
                action=action,
                status=form.cleaned_data["status"],
                by=request.user,
                at=timezone.now(),
            )
        except ApplicationError as error:
            message = error.message
        except ValidationError as error:
            message = " ".join(error.messages)
    done = _("The action is now “%(status)s”.") % {"status": action.get_status_display()}
    if request.htmx:
        if from_my_work:
            today = timezone.localdate()
            return render_page(
                request,
                "cases/my_work.html",
                {
                    **_my_work_actions(request.user, today),
                    "oversees": selectors.oversees_programmes(request.user),
                    "today": today,
                    "actions_announcement": message or done,
                },
                partial="actions",
            )
        return _section_response(request, case, "plan", announcement=message or done)
    if message:
        messages.error(request, message)
    else:
        messages.success(request, done)
    if from_my_work:
        return redirect("cases:my_work")
    return _back_to(case, "plan")


@require_http_methods(["GET", "POST"])
def action_edit(request: AuthenticatedRequest, pk: object, action_pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    action = get_or_404(case.plan_actions.select_related("goal"), pk=action_pk)
    form = ActionForm(
        request.POST or None,
        staff=_staff(case) | User.objects.filter(pk=action.responsible_id),
        initial={
            "description": action.description,
            "responsible": action.responsible_id,
            "due_on": action.due_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_action_update(
                action=action,
                description=form.cleaned_data["description"],
                responsible=form.cleaned_data["responsible"],
                due_on=form.cleaned_data["due_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The action was saved."))
            return _back_to(case, "plan")
    return _case_form(
        request,
        case,
        form,
        _("Change a plan action"),
        "cases:action_edit",
        url_args=[case.pk, action.pk],
        intro=action.goal.description,
        template="cases/action_form.html",
        extra={"action": action},
    )


# --- Notes and timeline -------------------------------------------------------------------------


@require_POST
def note_add(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, action="change")
    form = NoteForm(request.POST, may_restrict=reads_restricted_notes(request.user))
    if form.is_valid():
        try:
            services.case_note_add(
                case=case,
                body=form.cleaned_data["body"],
                sensitivity=form.chosen_sensitivity(),
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            return _saved(request, case, "notes", _("The note was added."))
    return _section_response(request, case, "notes", note_form=form)


@require_GET
def note_list(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk)
    notes = visible_notes(request.user, case).select_related("written_by")
    page = page_from_request(request, notes, ordering=["-written_at", "-id"])
    _record_reads(request, list(page.items))
    return render(
        request,
        "cases/notes.html",
        {"case": case, "participant": case.participant, "page": page},
    )


@require_GET
def timeline(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    case = access_case(user=request.user, pk=pk)
    events = selectors.case_timeline(user=request.user, case=case)
    page = page_from_request(request, events, ordering=["-at", "-id"], size=50)
    return render(
        request,
        "cases/timeline.html",
        {
            "case": case,
            "participant": case.participant,
            "page": page,
            "entries": describe(page.items),
        },
    )


# --- Vulnerability criteria of a programme ------------------------------------------------------


@require_http_methods(["GET", "POST"])
def criteria(request: AuthenticatedRequest, programme_pk: object) -> HttpResponse:
    programme = access_programme(user=request.user, pk=programme_pk, action="configure")
    existing = selectors.programme_criteria(programme=programme)
    thresholds = selectors.thresholds_of(programme=programme)
    data = request.POST if request.method == "POST" else None
    formset = CriterionFormSet(
        data,
        prefix="criteria",
        initial=[
            {
                "code": c.code,
                "label_es": c.label_es,
                "label_en": c.label_en,
                "weight": c.weight,
                "order": c.order,
                "is_active": c.is_active,
            }
            for c in existing
        ],
    )
    new_form = CriterionForm(
        data,
        prefix="new",
        initial={"is_active": True, "order": (existing[-1].order + 10) if existing else 10},
    )
    thresholds_form = ThresholdsForm(
        data,
        initial={
            "medium_from": thresholds.medium_from if thresholds else DEFAULT_MEDIUM_FROM,
            "high_from": thresholds.high_from if thresholds else DEFAULT_HIGH_FROM,
        },
    )
    if request.method == "POST":
        adding = not new_form.is_blank()
        valid = (
            formset.is_valid()
            & thresholds_form.is_valid()
            & (new_form.is_valid() if adding else True)
        )
        if valid and adding and new_form.cleaned_data["code"].upper() in {c.code for c in existing}:
            new_form.add_error("code", _("This code is already used above."))
            valid = False
        if valid:
            rows = [form.details() for form in formset.forms]
            if adding:
                rows.append(new_form.details())
            try:
                services.vulnerability_criteria_save(
                    programme=programme,
                    rows=rows,
                    medium_from=thresholds_form.cleaned_data["medium_from"],
                    high_from=thresholds_form.cleaned_data["high_from"],
                    by=request.user,
                    at=timezone.now(),
                )
            except ApplicationError as error:
                thresholds_form.add_application_error(error)
            else:
                messages.success(request, _("The criteria were saved."))
                return redirect("cases:criteria", programme_pk=programme.pk)
    return render(
        request,
        "cases/criteria.html",
        {
            "programme": programme,
            "formset": formset,
            "new_form": new_form,
            "thresholds_form": thresholds_form,
            "max_score": sum(c.weight for c in existing if c.is_active),
        },
    )
