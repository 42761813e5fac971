"""Course pages for staff: the list, a course, its sessions, people, attendance and modules.

Attendance is taken on a phone: each tap on a person saves that person alone with htmx (a few
hundred bytes each way, fine on 2G); without JavaScript the same page is a form of check boxes
sent once.
"""

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.accounts.permissions import CASE_ROLES, PROGRAMME_MANAGER_ROLES, require_role
from arraigo.core import search_terms
from arraigo.core.errors import ApplicationError
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.lookups import get_or_404
from arraigo.core.pagination import page_from_request
from arraigo.learning import selectors, services
from arraigo.learning.forms import (
    CourseForm,
    EnrolForm,
    LinkForm,
    ModuleForm,
    ProgressForm,
    QuestionForm,
    SearchForm,
    SessionForm,
    WithdrawForm,
    course_initial,
    question_initial,
    session_initial,
)
from arraigo.learning.models import Attendance, Course, CourseEnrolment, Module, Session
from arraigo.learning.permissions import (
    access_course,
    access_enrolment,
    access_session,
    may,
    programmes_for_new_courses,
)
from arraigo.people.search import search_participants
from arraigo.programmes.permissions import visible_programmes

ENROL_PAGE_SIZE = 50
LINK_DAYS = 90


def _detail_url(course: Course, section: str = "") -> str:
    url = reverse("learning:detail", args=[course.pk])
    return f"{url}#{section}" if section else url


def _enrolment_url(enrolment: CourseEnrolment) -> str:
    return reverse("learning:enrolment", args=[enrolment.course_id, enrolment.pk])


def _uuids(values: list[str]) -> set[uuid.UUID]:
    found = set()
    for value in values:
        try:
            found.add(uuid.UUID(value))
        except ValueError:
            continue
    return found


# --- The list and a course ----------------------------------------------------------------------


@require_GET
def course_list(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, CASE_ROLES)
    programmes = visible_programmes(request.user).order_by("name")
    programme = None
    if request.GET.get("programme"):
        programme = get_or_404(programmes, pk=request.GET["programme"])
    return render(
        request,
        "learning/list.html",
        {
            "courses": selectors.course_list(user=request.user, programme=programme),
            "programmes": programmes,
            "programme": programme,
            "can_create": programmes_for_new_courses(request.user).exists(),
        },
    )


@require_GET
def course_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk)
    now = timezone.now()
    return render(
        request,
        "learning/detail.html",
        {
            "course": course,
            "sessions": selectors.course_sessions(course=course),
            "rows": selectors.enrolment_rows(user=request.user, course=course, at=now),
            "modules": selectors.course_modules(course=course),
            "now": now,
            "can_run": may(request.user, "run"),
            "can_configure": may(request.user, "configure"),
        },
    )


def _course_form_page(
    request: AuthenticatedRequest, form: CourseForm, course: Course | None
) -> HttpResponse:
    return render(request, "learning/course_form.html", {"form": form, "course": course})


@require_http_methods(["GET", "POST"])
def course_new(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, PROGRAMME_MANAGER_ROLES)
    programmes = programmes_for_new_courses(request.user).order_by("name")
    initial: dict[str, Any] = {"min_attendance_percent": 80, "is_active": True}
    chosen = _uuids([request.GET.get("programme", "")])
    if chosen:
        initial["programme"] = programmes.filter(pk__in=chosen).first()
    form = CourseForm(request.POST or None, programmes=programmes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(
                programme=form.cleaned_data["programme"],
                details=form.details(),
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The course was created."))
            return redirect("learning:detail", pk=course.pk)
    return _course_form_page(request, form, None)


@require_http_methods(["GET", "POST"])
def course_edit(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="configure")
    form = CourseForm(request.POST or None, programmes=None, initial=course_initial(course))
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(
                course=course, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The course was saved."))
            return redirect("learning:detail", pk=course.pk)
    return _course_form_page(request, form, course)


# --- Sessions -----------------------------------------------------------------------------------


def _session_form_page(
    request: AuthenticatedRequest, course: Course, form: SessionForm, session: Session | None
) -> HttpResponse:
    return render(
        request,
        "learning/session_form.html",
        {"course": course, "form": form, "session": session},
    )


@require_http_methods(["GET", "POST"])
def session_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="run")
    staff = selectors.staff_of_course(course=course)
    initial = {"day": timezone.localdate(), "starts": datetime.time(9, 0)}
    form = SessionForm(request.POST or None, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_add(
                course=course, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The session was added."))
            return redirect(_detail_url(course, "sessions"))
    return _session_form_page(request, course, form, None)


@require_http_methods(["GET", "POST"])
def session_edit(request: AuthenticatedRequest, pk: object, session_pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="run")
    session = get_or_404(course.sessions.all(), pk=session_pk)
    form = SessionForm(
        request.POST or None,
        staff=selectors.staff_of_course(course=course),
        initial=session_initial(session),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(
                session=session, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The session was saved."))
            return redirect(_detail_url(course, "sessions"))
    return _session_form_page(request, course, form, session)


@require_POST
def session_cancel(request: AuthenticatedRequest, pk: object, session_pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="run")
    session = get_or_404(course.sessions.all(), pk=session_pk)
    try:
        services.session_cancel(session=session, by=request.user, at=timezone.now())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The session was cancelled. It no longer counts."))
    return redirect(_detail_url(course, "sessions"))


# --- Attendance ---------------------------------------------------------------------------------


def _sheet_context(request: AuthenticatedRequest, session: Session) -> dict[str, Any]:
    rows = selectors.attendance_sheet(user=request.user, session=session)
    not_yet = _not_yet(session)
    return {
        "session": session,
        "course": session.course,
        "rows": rows,
        "present_count": sum(1 for row in rows if row.present),
        "not_yet": not_yet,
        "locked": session.is_cancelled or not_yet,
    }


def _not_yet(session: Session) -> bool:
    return timezone.localdate(session.starts_at) > timezone.localdate()


@require_http_methods(["GET", "POST"])
def attendance(request: AuthenticatedRequest, session_pk: object) -> HttpResponse:
    """The attendance sheet of a session; sent whole when the page runs without JavaScript."""
    session = access_session(user=request.user, pk=session_pk)
    if request.method == "POST":
        shown = _uuids(request.POST.getlist("shown"))
        enrolments = list(
            selectors.course_enrolments(
                user=request.user, course=session.course, include_withdrawn=False
            ).filter(pk__in=shown)
        )
        present = {e.pk for e in enrolments if f"p-{e.pk}" in request.POST}
        try:
            count = services.attendance_record_sheet(
                session=session,
                enrolments=enrolments,
                present=present,
                by=request.user,
                at=timezone.now(),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Attendance saved: %(present)s of %(total)s present.")
                % {"present": count, "total": len(enrolments)},
            )
        return redirect("learning:attendance", session_pk=session.pk)
    return render(request, "learning/attendance.html", _sheet_context(request, session))


@require_POST
def attendance_mark(
    request: AuthenticatedRequest, session_pk: object, enrolment_pk: object
) -> HttpResponse:
    """One tap on the attendance sheet: the person's box, checked (present) or not (absent).

    htmx gets a tiny answer: the saved state of that person and the new count of people present.
    """
    session = access_session(user=request.user, pk=session_pk)
    enrolment = get_or_404(
        selectors.course_enrolments(
            user=request.user, course=session.course, include_withdrawn=False
        ),
        pk=enrolment_pk,
    )
    present = f"p-{enrolment.pk}" in request.POST
    error = ""
    try:
        services.attendance_record(
            session=session,
            enrolment=enrolment,
            present=present,
            by=request.user,
            at=timezone.now(),
        )
    except ApplicationError as refusal:
        error = refusal.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(reverse("learning:attendance", args=[session.pk]) + f"#row-{enrolment.pk}")
    saved = (
        Attendance.objects.filter(session=session, enrolment=enrolment)
        .values_list("present", flat=True)
        .first()
    )
    return render(
        request,
        "learning/attendance.html#mark",
        {
            "session": session,
            "row": selectors.SheetRow(enrolment, saved),
            "error": error,
            "locked": session.is_cancelled or _not_yet(session),
            "present_count": selectors.present_count(session=session),
        },
    )


# --- Enrolment ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def enrol(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="run")
    enrol_url = reverse("learning:enrol", args=[course.pk])
    if request.method == "POST" and "search" in request.POST:
        search = search_terms.posted(request, SearchForm(request.POST), list_url=enrol_url)
        return redirect(search.url)
    candidates = selectors.enrolment_candidates(user=request.user, course=course)
    term = search_terms.recall(request, request.GET.get("s"))
    form = EnrolForm(
        request.POST or None,
        candidates=candidates,
        initial={"enrolled_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = services.course_enrol(
                course=course,
                participants=form.cleaned_data["participants"],
                enrolled_on=form.cleaned_data["enrolled_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("%(count)s people enrolled in the course.") % {"count": len(enrolled)},
            )
            return redirect(_detail_url(course, "people"))
    context: dict[str, Any] = {
        "course": course,
        "form": form,
        "search": SearchForm(initial={"q": term}),
        "term": term,
        "token": request.GET.get("s", "") if term else "",
        "chosen": {str(pk) for pk in _uuids(request.POST.getlist("participants"))},
    }
    if term:
        found = search_participants(candidates, query=term, organisation_id=course.organisation_id)
        context["people"] = found.participants
        context["truncated"] = found.truncated
    else:
        page = page_from_request(
            request,
            candidates,
            ordering=["given_names", "first_surname", "id"],
            size=ENROL_PAGE_SIZE,
        )
        context["page"] = page
        context["people"] = page.items
    return render(request, "learning/enrol.html", context)


def _enrolment_context(
    request: AuthenticatedRequest, course: Course, enrolment: CourseEnrolment, **forms: Any
) -> dict[str, Any]:
    now = timezone.now()
    today = timezone.localdate(now)
    return {
        "course": course,
        "enrolment": enrolment,
        "participant": enrolment.participant,
        "completion": selectors.completion(enrolment, at=now),
        "attendance": selectors.attendance_of(enrolment=enrolment, at=now),
        "modules": selectors.modules_with_progress(enrolment=enrolment),
        "links": selectors.active_links(enrolment=enrolment, on=today),
        "link_form": forms.get("link_form")
        or LinkForm(initial={"expires_on": today + datetime.timedelta(days=LINK_DAYS)}),
        "withdraw_form": forms.get("withdraw_form")
        or WithdrawForm(initial={"withdrawn_on": today}),
        "can_run": may(request.user, "run"),
        "is_withdrawn": enrolment.withdrawn_on is not None,
    }


@require_GET
def enrolment_detail(
    request: AuthenticatedRequest, pk: object, enrolment_pk: object
) -> HttpResponse:
    course = access_course(user=request.user, pk=pk)
    enrolment = access_enrolment(user=request.user, course=course, pk=enrolment_pk, action="view")
    return render(
        request, "learning/enrolment.html", _enrolment_context(request, course, enrolment)
    )


@require_POST
def enrolment_withdraw(
    request: AuthenticatedRequest, pk: object, enrolment_pk: object
) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="run")
    enrolment = access_enrolment(user=request.user, course=course, pk=enrolment_pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.course_withdraw(
                enrolment=enrolment,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The person withdrew from the course."))
            return redirect(_enrolment_url(enrolment))
    return render(
        request,
        "learning/enrolment.html",
        _enrolment_context(request, course, enrolment, withdraw_form=form),
        status=400,
    )


def _private(response: HttpResponse) -> HttpResponse:
    """Keep a page showing a course link out of caches and other sites' logs."""
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
def link_create(request: AuthenticatedRequest, pk: object, enrolment_pk: object) -> HttpResponse:
    """Make a course link and show it, this once: only its hash is kept."""
    course = access_course(user=request.user, pk=pk, action="run")
    enrolment = access_enrolment(user=request.user, course=course, pk=enrolment_pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            link, token = services.access_link_create(
                enrolment=enrolment,
                expires_on=form.cleaned_data["expires_on"],
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            url = request.build_absolute_uri(reverse("learn:home", args=[token]))
            return _private(
                render(
                    request,
                    "learning/link_created.html",
                    {
                        "course": course,
                        "enrolment": enrolment,
                        "participant": enrolment.participant,
                        "link": link,
                        "url": url,
                    },
                )
            )
    return render(
        request,
        "learning/enrolment.html",
        _enrolment_context(request, course, enrolment, link_form=form),
        status=400,
    )


@require_POST
def link_revoke(
    request: AuthenticatedRequest, pk: object, enrolment_pk: object, link_pk: object
) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="run")
    enrolment = access_enrolment(user=request.user, course=course, pk=enrolment_pk)
    link = get_or_404(enrolment.access_links.all(), pk=link_pk)
    try:
        services.access_link_revoke(link=link, by=request.user, at=timezone.now())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The link no longer opens the course."))
    return redirect(_enrolment_url(enrolment))


@require_http_methods(["GET", "POST"])
def progress_edit(
    request: AuthenticatedRequest, pk: object, enrolment_pk: object, module_pk: object
) -> HttpResponse:
    """Staff record a person's progress in one module (e.g. done on paper, in a session)."""
    course = access_course(user=request.user, pk=pk, action="run")
    enrolment = access_enrolment(user=request.user, course=course, pk=enrolment_pk)
    module = get_or_404(course.modules.all(), pk=module_pk)
    progress = enrolment.module_progress.filter(module=module).first()
    initial: dict[str, Any] = {"completed_on": timezone.localdate()}
    if progress is not None:
        initial = {
            "completed_on": timezone.localdate(progress.completed_at)
            if progress.completed_at
            else None,
            "quiz_score": progress.quiz_score,
        }
    has_quiz = module.questions.exists()
    form = ProgressForm(request.POST or None, initial=initial)
    if not has_quiz:
        del form.fields["quiz_score"]
    if request.method == "POST" and form.is_valid():
        try:
            services.module_progress_record(
                enrolment=enrolment,
                module=module,
                completed_on=form.cleaned_data["completed_on"],
                quiz_score=form.cleaned_data.get("quiz_score"),
                by=request.user,
                at=timezone.now(),
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The progress was saved."))
            return redirect(_enrolment_url(enrolment) + "#modules")
    return render(
        request,
        "learning/progress_form.html",
        {
            "course": course,
            "enrolment": enrolment,
            "participant": enrolment.participant,
            "module": module,
            "has_quiz": has_quiz,
            "form": form,
        },
    )


# --- Modules and quizzes ------------------------------------------------------------------------


@require_GET
def module_list(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="configure")
    return render(
        request,
        "learning/modules.html",
        {"course": course, "modules": selectors.course_modules(course=course)},
    )


@require_http_methods(["GET", "POST"])
def module_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="configure")
    last = course.modules.order_by("-order").values_list("order", flat=True).first() or 0
    form = ModuleForm(request.POST or None, initial={"order": last + 1})
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_create(
                course=course, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The module was added. Now add its quiz questions."))
            return redirect("learning:module_edit", pk=course.pk, module_pk=module.pk)
    return render(
        request, "learning/module_form.html", {"course": course, "form": form, "module": None}
    )


def _module_page(
    request: AuthenticatedRequest,
    course: Course,
    module: Module,
    *,
    form: ModuleForm | None = None,
    question_form: QuestionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    questions = list(selectors.module_questions(module=module))
    next_order = (questions[-1].order + 1) if questions else 1
    return render(
        request,
        "learning/module_form.html",
        {
            "course": course,
            "module": module,
            "form": form
            or ModuleForm(
                initial={
                    "order": module.order,
                    "title": module.title,
                    "content": module.content,
                    "pass_mark": module.pass_mark,
                }
            ),
            "questions": questions,
            "question_form": question_form or QuestionForm(initial={"order": next_order}),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def module_edit(request: AuthenticatedRequest, pk: object, module_pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="configure")
    module = get_or_404(course.modules.all(), pk=module_pk)
    if request.method == "GET":
        return _module_page(request, course, module)
    form = ModuleForm(request.POST)
    if form.is_valid():
        try:
            services.module_update(
                module=module, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The module was saved."))
            return redirect("learning:module_edit", pk=course.pk, module_pk=module.pk)
    return _module_page(request, course, module, form=form, status=400)


@require_POST
def question_new(request: AuthenticatedRequest, pk: object, module_pk: object) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="configure")
    module = get_or_404(course.modules.all(), pk=module_pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_create(
                module=module, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The question was added."))
            return redirect(
                reverse("learning:module_edit", args=[course.pk, module.pk]) + "#questions"
            )
    return _module_page(request, course, module, question_form=form, status=400)


@require_http_methods(["GET", "POST"])
def question_edit(
    request: AuthenticatedRequest, pk: object, module_pk: object, question_pk: object
) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="configure")
    module = get_or_404(course.modules.all(), pk=module_pk)
    question = get_or_404(module.questions.all(), pk=question_pk)
    form = QuestionForm(request.POST or None, initial=question_initial(question))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(
                question=question, details=form.details(), by=request.user, at=timezone.now()
            )
        except (ApplicationError, ValidationError) as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The question was saved."))
            return redirect(
                reverse("learning:module_edit", args=[course.pk, module.pk]) + "#questions"
            )
    return render(
        request,
        "learning/question_form.html",
        {"course": course, "module": module, "question": question, "form": form},
    )


@require_POST
def question_remove(
    request: AuthenticatedRequest, pk: object, module_pk: object, question_pk: object
) -> HttpResponse:
    course = access_course(user=request.user, pk=pk, action="configure")
    module = get_or_404(course.modules.all(), pk=module_pk)
    question = get_or_404(module.questions.all(), pk=question_pk)
    services.question_remove(question=question, by=request.user, at=timezone.now())
    messages.success(request, _("The question was removed."))
    return redirect(reverse("learning:module_edit", args=[course.pk, module.pk]) + "#questions")
