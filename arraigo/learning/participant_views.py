"""The pages a participant opens with a course link, without an account.

They show one course's modules and the person's own progress, with nothing else: no other
person, no navigation into the platform, no personal data but the first name. An unknown,
expired or revoked link, or one of a person who withdrew, gets the same plain page.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.core.errors import ApplicationError
from arraigo.core.lookups import get_or_404
from arraigo.learning import selectors, services
from arraigo.learning.forms import QuizForm
from arraigo.learning.models import AccessLink, Module
from arraigo.learning.permissions import link_for_token

type LinkView = Callable[..., HttpResponse]


def _private(response: HttpResponse) -> HttpResponse:
    # The URL is the key to the course: keep it out of caches, other sites and search engines.
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def with_link(view: LinkView) -> LinkView:
    """Open the view to anyone holding a valid link; give everyone else the same plain page."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: object, **kwargs: object) -> HttpResponse:
        link = link_for_token(token=token, on=timezone.localdate())
        try:
            if link is None:
                raise Http404
            response = view(request, link, token, *args, **kwargs)
        except Http404:
            # Not the platform's own 404 page: it would lead into the platform.
            response = render(request, "learning/participant/invalid.html", status=404)
        return _private(response)

    return login_not_required(wrapper)


def _module_of(link: AccessLink, module_pk: object) -> Module:
    return get_or_404(Module.objects.filter(course_id=link.enrolment.course_id), pk=module_pk)


def _context(link: AccessLink, token: str) -> dict[str, object]:
    enrolment = link.enrolment
    return {
        "token": token,
        "course": enrolment.course,
        "first_name": enrolment.participant.given_names.split(" ")[0],
        "link": link,
    }


@require_GET
@with_link
def home(request: HttpRequest, link: AccessLink, token: str) -> HttpResponse:
    enrolment = link.enrolment
    return render(
        request,
        "learning/participant/home.html",
        {
            **_context(link, token),
            "modules": selectors.modules_with_progress(enrolment=enrolment),
            "completion": selectors.completion(enrolment),
        },
    )


@require_http_methods(["GET", "POST"])
@with_link
def module(request: HttpRequest, link: AccessLink, token: str, module_pk: object) -> HttpResponse:
    chosen = _module_of(link, module_pk)
    questions = list(selectors.module_questions(module=chosen))
    form = QuizForm(request.POST or None, questions=questions)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.quiz_answer(
                    link=link, module=chosen, answers=form.answers(), at=timezone.now()
                )
            except (ApplicationError, ValidationError) as error:
                form.add_application_error(error)
        if result is None:
            status = 400
        else:
            form = QuizForm(questions=questions)
    progress = link.enrolment.module_progress.filter(module=chosen).first()
    return render(
        request,
        "learning/participant/module.html",
        {
            **_context(link, token),
            "module": chosen,
            "questions": questions,
            "form": form,
            "result": result,
            "progress": progress,
        },
        status=status,
    )


@require_POST
@with_link
def module_read(
    request: HttpRequest, link: AccessLink, token: str, module_pk: object
) -> HttpResponse:
    chosen = _module_of(link, module_pk)
    try:
        services.module_mark_read(link=link, module=chosen, at=timezone.now())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Module completed. Well done!"))
    return redirect("learn:home", token=token)
