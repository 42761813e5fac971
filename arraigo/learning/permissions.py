"""Who may see and run which courses; what a participant's course link opens.

Staff who run cases (ADMIN, MANAGER, CASEWORKER, PSYCHOSOCIAL) see the courses of their own
organisation in the programmes they are assigned to (an ADMIN: every course of its organisation)
and run them: sessions, enrolment, attendance, progress and course links. Only ADMIN and MANAGER
create and change courses and their modules. Everyone else sees no course at all: 404.
"""

import datetime
import hashlib

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import (
    CASE_ROLES,
    PROGRAMME_MANAGER_ROLES,
    has_role,
    membership_of,
)
from arraigo.core.lookups import get_or_404
from arraigo.learning.models import AccessLink, Course, CourseEnrolment, Session
from arraigo.people.permissions import visible_participants
from arraigo.programmes.models import Programme
from arraigo.programmes.permissions import visible_programmes

# What each action on a visible course needs.
COURSE_ACTIONS: dict[str, frozenset[str]] = {
    "view": CASE_ROLES,
    # Sessions, enrolment, attendance, module progress and course links.
    "run": CASE_ROLES,
    # The course itself and its modules and quizzes.
    "configure": PROGRAMME_MANAGER_ROLES,
}


def visible_courses(user: User) -> QuerySet[Course]:
    """Every course *user* may see.

    Only staff who run cases; only their own organisation's courses; and, except for an
    ADMIN, only in the programmes they are assigned to.
    """
    membership = membership_of(user)
    if membership is None or membership.role not in CASE_ROLES:
        return Course.objects.none()
    courses = Course.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        courses = courses.filter(programme__in=visible_programmes(user))
    return courses


def may(user: User, action: str) -> bool:
    """Whether *user*'s role allows *action* on the courses it can see.

    :raises ValueError: for an action that does not exist.
    """
    if action not in COURSE_ACTIONS:
        raise ValueError(f"Unknown course action: {action}")
    return has_role(user, COURSE_ACTIONS[action])


def access_course(*, user: User, pk: object, action: str = "view") -> Course:
    """The course, or Http404 when hidden or missing.

    *action* is ``view``, ``run`` or ``configure``; a visible course whose action the role does
    not allow answers PermissionDenied.
    """
    course = get_or_404(visible_courses(user).select_related("programme"), pk=pk)
    if not may(user, action):
        raise PermissionDenied
    return course


def access_session(*, user: User, pk: object, action: str = "run") -> Session:
    """A session of a course *user* may see, or Http404; PermissionDenied as ``access_course``."""
    session = get_or_404(
        Session.objects.filter(course__in=visible_courses(user)).select_related(
            "course__programme", "facilitator"
        ),
        pk=pk,
    )
    if not may(user, action):
        raise PermissionDenied
    return session


def access_enrolment(
    *, user: User, course: Course, pk: object, action: str = "run"
) -> CourseEnrolment:
    """An enrolment in *course* of a participant *user* may see, or Http404; PermissionDenied
    as ``access_course``."""
    enrolment = get_or_404(
        CourseEnrolment.objects.filter(
            course=course,
            course__in=visible_courses(user),
            participant__in=visible_participants(user),
        ).select_related("participant", "course__programme"),
        pk=pk,
    )
    if not may(user, action):
        raise PermissionDenied
    return enrolment


def programmes_for_new_courses(user: User) -> QuerySet[Programme]:
    """The programmes *user* may create courses in: its own, if it is ADMIN or MANAGER."""
    if not may(user, "configure"):
        return Programme.objects.none()
    return visible_programmes(user)


# --- The participant's course link --------------------------------------------------------------


def token_hash(token: str) -> str:
    """The SHA-256 of a link token, as stored. The token is random and long, so no salt."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_for_token(*, token: str, on: datetime.date) -> AccessLink | None:
    """The link *token* opens on *on*, or ``None``.

    ``None`` alike for an unknown token, an expired or revoked link, and a person withdrawn
    from the course, so that the answer tells nothing about which it was.
    """
    if not token or len(token) > 100:
        return None
    return (
        AccessLink.objects.filter(
            token_hash=token_hash(token),
            revoked_at__isnull=True,
            expires_on__gte=on,
            enrolment__withdrawn_on__isnull=True,
        )
        .select_related("enrolment__course", "enrolment__participant")
        .first()
    )
