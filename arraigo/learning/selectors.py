"""Reads of courses for pages and other apps; completion is computed here, never stored.

A person completes a course when the course's rule holds for them:

- attendance: of the course's sessions *held* by then (not cancelled, already started), at
  least the course's minimum share attended;
- modules: every module of the course completed, with its quiz passed where it has one.

Other apps (seed capital calls, indicators) ask through ``completed_courses``,
``has_completed``, ``completion_by_participant`` and ``training_counts``. Those take records
the caller has already been allowed to see; the page selectors take the user.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import batched
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arraigo.accounts.models import User
from arraigo.accounts.permissions import CASE_ROLES
from arraigo.learning.models import (
    AccessLink,
    Attendance,
    Course,
    CourseEnrolment,
    Module,
    ModuleProgress,
    QuizQuestion,
    Session,
)
from arraigo.learning.permissions import visible_courses
from arraigo.people.models import Enrolment, Participant
from arraigo.people.permissions import visible_participants
from arraigo.programmes.models import Programme

# Participants looked up per query by the bulk selector: far below every database's limit
# on query parameters.
_CHUNK = 500


# --- The completion rule ------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """Where one person stands in one course, and why it is not complete yet."""

    sessions_held: int
    sessions_attended: int
    percent_attended: int | None  # None while no session has been held
    modules_total: int
    modules_passed: int
    completed: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Rule:
    min_attendance_percent: int | None
    requires_modules: bool

    @classmethod
    def of(cls, course: Course) -> "_Rule":
        return cls(course.min_attendance_percent, course.requires_modules)


def _meets(
    rule: _Rule, *, held: int, attended: int, modules_total: int, modules_passed: int
) -> bool:
    # Whole numbers only: 4 of 5 sessions is exactly 80 %, and passes an 80 % rule.
    if rule.min_attendance_percent is not None and (
        held == 0 or attended * 100 < rule.min_attendance_percent * held
    ):
        return False
    return not rule.requires_modules or (modules_total > 0 and modules_passed >= modules_total)


def _reasons(
    rule: _Rule, *, held: int, attended: int, modules_total: int, modules_passed: int
) -> tuple[str, ...]:
    reasons: list[str] = []
    minimum = rule.min_attendance_percent
    if minimum is not None:
        if held == 0:
            reasons.append(_("No session has been held yet."))
        elif attended * 100 < minimum * held:
            reasons.append(
                _("Attended %(attended)s of %(held)s sessions; %(minimum)s %% are needed.")
                % {"attended": attended, "held": held, "minimum": minimum}
            )
    if rule.requires_modules:
        if modules_total == 0:
            reasons.append(_("The course has no modules yet."))
        elif modules_passed < modules_total:
            missing = modules_total - modules_passed
            reasons.append(
                ngettext(
                    "%(count)s module still to pass.",
                    "%(count)s modules still to pass.",
                    missing,
                )
                % {"count": missing}
            )
    return tuple(reasons)


def _completion(
    rule: _Rule,
    *,
    held: int,
    attended: int,
    modules_total: int,
    modules_passed: int,
    withdrawn: bool,
) -> Completion:
    counts = {
        "held": held,
        "attended": attended,
        "modules_total": modules_total,
        "modules_passed": modules_passed,
    }
    reasons = (_("Withdrew from the course."),) if withdrawn else _reasons(rule, **counts)
    return Completion(
        sessions_held=held,
        sessions_attended=attended,
        percent_attended=attended * 100 // held if held else None,
        modules_total=modules_total,
        modules_passed=modules_passed,
        completed=not withdrawn and _meets(rule, **counts),
        reasons=reasons,
    )


def held_sessions(*, course: Course | UUID, at: datetime.datetime) -> QuerySet[Session]:
    """The sessions of *course* held by *at*: not cancelled and already started."""
    course_id = course.pk if isinstance(course, Course) else course
    return Session.objects.filter(course_id=course_id, is_cancelled=False, starts_at__lte=at)


def _held(at: datetime.datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}is_cancelled": False, f"{prefix}starts_at__lte": at})


def completions(
    *, course: Course, enrolments: Sequence[CourseEnrolment], at: datetime.datetime | None = None
) -> dict[UUID, Completion]:
    """The completion of each of *enrolments* (all in *course*), by enrolment id.

    Four queries, however many enrolments.
    """
    at = at or timezone.now()
    ids = [enrolment.pk for enrolment in enrolments]
    held = held_sessions(course=course, at=at).count()
    modules_total = Module.objects.filter(course=course).count()
    attended: dict[UUID, int] = dict(
        Attendance.objects.filter(enrolment_id__in=ids, present=True)
        .filter(_held(at, "session__"), session__course=course)
        .values("enrolment_id")
        .annotate(n=Count("id"))
        .values_list("enrolment_id", "n")
    )
    passed: dict[UUID, int] = dict(
        ModuleProgress.objects.filter(enrolment_id__in=ids, passed=True, module__course=course)
        .values("enrolment_id")
        .annotate(n=Count("id"))
        .values_list("enrolment_id", "n")
    )
    rule = _Rule.of(course)
    return {
        enrolment.pk: _completion(
            rule,
            held=held,
            attended=attended.get(enrolment.pk, 0),
            modules_total=modules_total,
            modules_passed=passed.get(enrolment.pk, 0),
            withdrawn=enrolment.withdrawn_on is not None,
        )
        for enrolment in enrolments
    }


def completion(enrolment: CourseEnrolment, *, at: datetime.datetime | None = None) -> Completion:
    """Where *enrolment*'s participant stands in its course, computed by *at* (default now)."""
    return completions(course=enrolment.course, enrolments=[enrolment], at=at)[enrolment.pk]


# --- For other apps: who completed which courses ------------------------------------------------


def _course_rules(courses: Iterable[Course | UUID]) -> dict[UUID, _Rule]:
    given = list(courses)
    rules = {item.pk: _Rule.of(item) for item in given if isinstance(item, Course)}
    missing = [item for item in given if not isinstance(item, Course)]
    if missing:
        for pk, minimum, requires in Course.objects.filter(pk__in=missing).values_list(
            "pk", "min_attendance_percent", "requires_modules"
        ):
            rules[pk] = _Rule(minimum, requires)
    return rules


def _enrolment_counts(
    enrolments: QuerySet[CourseEnrolment], at: datetime.datetime
) -> list[tuple[UUID, UUID, int, int]]:
    """(participant id, course id, sessions attended, modules passed) of each of *enrolments*."""
    attended = (
        Attendance.objects.filter(enrolment=OuterRef("pk"), present=True)
        .filter(_held(at, "session__"))
        .order_by()
        .values("enrolment")
        .annotate(n=Count("id"))
        .values("n")
    )
    passed = (
        ModuleProgress.objects.filter(enrolment=OuterRef("pk"), passed=True)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("id"))
        .values("n")
    )
    return list(
        enrolments.annotate(
            attended_count=Coalesce(Subquery(attended), 0),
            passed_count=Coalesce(Subquery(passed), 0),
        ).values_list("participant_id", "course_id", "attended_count", "passed_count")
    )


def _participant_filters(
    participants: QuerySet[Participant] | Iterable[Participant | UUID],
) -> list[Q]:
    if isinstance(participants, QuerySet):
        return [Q(participant__in=participants.values("pk"))]
    ids = [item.pk if isinstance(item, Participant) else item for item in participants]
    return [Q(participant_id__in=chunk) for chunk in batched(ids, _CHUNK, strict=False)]


def completion_by_participant(
    *,
    courses: Iterable[Course | UUID],
    participants: QuerySet[Participant] | Iterable[Participant | UUID],
    at: datetime.datetime | None = None,
) -> dict[UUID, set[UUID]]:
    """Which of *courses* each of *participants* has completed by *at* (default now).

    ``{participant id: {course id, …}}``; a participant who completed none of them is left out.
    Not scoped to a user: the caller passes courses and people it may already see. Four queries
    for a queryset of participants or up to 500 of them, whatever the number of courses.
    """
    at = at or timezone.now()
    rules = _course_rules(courses)
    if not rules:
        return {}
    course_ids = list(rules)
    held: dict[UUID, int] = dict(
        Session.objects.filter(_held(at), course_id__in=course_ids)
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    modules: dict[UUID, int] = dict(
        Module.objects.filter(course_id__in=course_ids)
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    done: dict[UUID, set[UUID]] = defaultdict(set)
    for condition in _participant_filters(participants):
        enrolments = CourseEnrolment.objects.filter(
            condition, course_id__in=course_ids, withdrawn_on__isnull=True
        )
        for participant_id, course_id, attended, passed in _enrolment_counts(enrolments, at):
            if _meets(
                rules[course_id],
                held=held.get(course_id, 0),
                attended=attended,
                modules_total=modules.get(course_id, 0),
                modules_passed=passed,
            ):
                done[participant_id].add(course_id)
    return dict(done)


def completed_courses(
    *,
    participant: Participant | UUID,
    courses: Iterable[Course | UUID],
    at: datetime.datetime | None = None,
) -> set[UUID]:
    """The ids of those of *courses* that *participant* has completed by *at* (default now)."""
    participant_id = participant.pk if isinstance(participant, Participant) else participant
    found = completion_by_participant(courses=courses, participants=[participant_id], at=at)
    return found.get(participant_id, set())


def has_completed(
    *,
    participant: Participant | UUID,
    courses: Iterable[Course | UUID],
    at: datetime.datetime | None = None,
) -> bool:
    """Whether *participant* has completed every one of *courses* (true when there are none)."""
    wanted = {item.pk if isinstance(item, Course) else item for item in courses}
    if not wanted:
        return True
    return wanted <= completed_courses(participant=participant, courses=wanted, at=at)


@dataclass(frozen=True)
class CourseCount:
    course: Course
    enrolled: int
    completed: int


@dataclass(frozen=True)
class TrainingCounts:
    """People trained in a programme: enrolled in a course, and completed at least one."""

    enrolled: int
    completed: int
    courses: list[CourseCount] = field(default_factory=list)


def training_counts(*, programme: Programme, at: datetime.datetime | None = None) -> TrainingCounts:
    """How many people *programme*'s courses enrol and how many completed them, by *at*.

    People are counted once however many courses they take; withdrawals are not counted. Not
    scoped to a user: the caller has already checked that the programme is visible.
    """
    courses = list(Course.objects.filter(programme=programme).order_by("code", "id"))
    enrolled = CourseEnrolment.objects.filter(
        course__programme=programme, withdrawn_on__isnull=True
    )
    per_course: dict[UUID, int] = dict(
        enrolled.values("course_id").annotate(n=Count("id")).values_list("course_id", "n")
    )
    people = Participant.objects.filter(
        pk__in=enrolled.values("participant_id"),
    )
    done = completion_by_participant(courses=courses, participants=people, at=at)
    completed_per_course: dict[UUID, int] = defaultdict(int)
    for course_ids in done.values():
        for course_id in course_ids:
            completed_per_course[course_id] += 1
    return TrainingCounts(
        enrolled=enrolled.values("participant_id").distinct().count(),
        completed=len(done),
        courses=[
            CourseCount(course, per_course.get(course.pk, 0), completed_per_course[course.pk])
            for course in courses
        ],
    )


def courses_of_programme(*, programme: Programme) -> QuerySet[Course]:
    """The active courses of *programme*, for choosing the ones a call requires."""
    return Course.objects.filter(programme=programme, is_active=True).order_by("code", "id")


# --- Pages --------------------------------------------------------------------------------------


def course_list(*, user: User, programme: Programme | None = None) -> QuerySet[Course]:
    """The courses *user* sees, with ``enrolled_count``, ``session_count`` and ``module_count``."""
    courses = visible_courses(user).select_related("programme")
    if programme is not None:
        courses = courses.filter(programme=programme)
    enrolled = (
        CourseEnrolment.objects.filter(course=OuterRef("pk"), withdrawn_on__isnull=True)
        .order_by()
        .values("course")
        .annotate(n=Count("id"))
        .values("n")
    )
    sessions = (
        Session.objects.filter(course=OuterRef("pk"), is_cancelled=False)
        .order_by()
        .values("course")
        .annotate(n=Count("id"))
        .values("n")
    )
    modules = (
        Module.objects.filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(n=Count("id"))
        .values("n")
    )
    return courses.annotate(
        enrolled_count=Coalesce(Subquery(enrolled), 0),
        session_count=Coalesce(Subquery(sessions), 0),
        module_count=Coalesce(Subquery(modules), 0),
    ).order_by("programme__name", "programme_id", "-is_active", "code", "id")


def course_sessions(*, course: Course) -> QuerySet[Session]:
    """The sessions of *course*, first first, with ``present_count``."""
    present = (
        Attendance.objects.filter(session=OuterRef("pk"), present=True)
        .order_by()
        .values("session")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        course.sessions.select_related("facilitator")
        .annotate(present_count=Coalesce(Subquery(present), 0))
        .order_by("starts_at", "id")
    )


def _by_name(enrolments: QuerySet[CourseEnrolment]) -> QuerySet[CourseEnrolment]:
    return enrolments.select_related("participant").order_by(
        "participant__given_names", "participant__first_surname", "id"
    )


def course_enrolments(
    *, user: User, course: Course, include_withdrawn: bool = True
) -> QuerySet[CourseEnrolment]:
    """The enrolments of *course* whose participant *user* may see, by name."""
    enrolments = CourseEnrolment.objects.filter(
        course=course, participant__in=visible_participants(user)
    )
    if not include_withdrawn:
        enrolments = enrolments.filter(withdrawn_on__isnull=True)
    return _by_name(enrolments)


@dataclass(frozen=True)
class EnrolmentRow:
    enrolment: CourseEnrolment
    completion: Completion


def enrolment_rows(
    *, user: User, course: Course, at: datetime.datetime | None = None
) -> list[EnrolmentRow]:
    """Everyone enrolled in *course* that *user* may see, by name, with their completion."""
    enrolments = list(course_enrolments(user=user, course=course))
    found = completions(course=course, enrolments=enrolments, at=at)
    return [EnrolmentRow(enrolment, found[enrolment.pk]) for enrolment in enrolments]


@dataclass(frozen=True)
class SheetRow:
    """One person on a session's attendance sheet; ``present`` is None until recorded."""

    enrolment: CourseEnrolment
    present: bool | None


def attendance_sheet(*, user: User, session: Session) -> list[SheetRow]:
    """The people of *session*'s course still enrolled, by name, with what was recorded."""
    recorded = dict(
        Attendance.objects.filter(session=session).values_list("enrolment_id", "present")
    )
    enrolments = course_enrolments(user=user, course=session.course, include_withdrawn=False)
    return [SheetRow(enrolment, recorded.get(enrolment.pk)) for enrolment in enrolments]


def present_count(*, session: Session) -> int:
    return Attendance.objects.filter(session=session, present=True).count()


def enrolment_candidates(*, user: User, course: Course) -> QuerySet[Participant]:
    """The people *user* may enrol in *course*: visible to it, of the course's organisation,
    enrolled in the course's programme, and not taking the course already."""
    taking = CourseEnrolment.objects.filter(course=course, withdrawn_on__isnull=True)
    in_programme = Exists(
        Enrolment.objects.filter(participant=OuterRef("pk"), programme_id=course.programme_id)
    )
    return (
        visible_participants(user)
        .filter(in_programme, organisation_id=course.organisation_id)
        .exclude(pk__in=taking.values("participant_id"))
    )


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    question_count: int
    progress: ModuleProgress | None = None


def course_modules(*, course: Course) -> list[ModuleRow]:
    """The modules of *course* in order, each with how many quiz questions it has."""
    modules = course.modules.annotate(n=Count("questions")).order_by("order", "id")
    return [ModuleRow(module, module.n) for module in modules]


def module_questions(*, module: Module) -> QuerySet[QuizQuestion]:
    return module.questions.order_by("order", "id")


def modules_with_progress(*, enrolment: CourseEnrolment) -> list[ModuleRow]:
    """The modules of *enrolment*'s course, each with the person's progress (or None)."""
    progress = {
        row.module_id: row
        for row in ModuleProgress.objects.filter(enrolment=enrolment).select_related("recorded_by")
    }
    return [
        ModuleRow(row.module, row.question_count, progress.get(row.module.pk))
        for row in course_modules(course=enrolment.course)
    ]


@dataclass(frozen=True)
class SessionAttendance:
    session: Session
    present: bool | None


def attendance_of(
    *, enrolment: CourseEnrolment, at: datetime.datetime | None = None
) -> list[SessionAttendance]:
    """*enrolment*'s attendance at each session of its course held by *at*, first first."""
    recorded = dict(
        Attendance.objects.filter(enrolment=enrolment).values_list("session_id", "present")
    )
    sessions = held_sessions(course=enrolment.course_id, at=at or timezone.now()).order_by(
        "starts_at", "id"
    )
    return [SessionAttendance(session, recorded.get(session.pk)) for session in sessions]


def active_links(*, enrolment: CourseEnrolment, on: datetime.date) -> QuerySet[AccessLink]:
    """The links of *enrolment* that still open the course on *on*."""
    return enrolment.access_links.filter(revoked_at__isnull=True, expires_on__gte=on).order_by(
        "-created_at", "-id"
    )


@dataclass(frozen=True)
class ParticipantCourse:
    enrolment: CourseEnrolment
    completion: Completion


def participant_courses(
    *, user: User, participant: Participant, at: datetime.datetime | None = None
) -> list[ParticipantCourse]:
    """The courses *participant* takes or took that *user* may see, with completion.

    Empty for a user who sees no courses.
    """
    enrolments = list(
        CourseEnrolment.objects.filter(participant=participant, course__in=visible_courses(user))
        .select_related("course__programme")
        .order_by("-enrolled_on", "-id")
    )
    return [ParticipantCourse(enrolment, completion(enrolment, at=at)) for enrolment in enrolments]


def staff_of_course(*, course: Course) -> QuerySet[User]:
    """Staff who may facilitate a session of *course*: active members of its organisation, with
    a case role, assigned to its programme (or ADMIN)."""
    return (
        User.objects.filter(
            is_active=True,
            membership__organisation_id=course.organisation_id,
            membership__role__in=CASE_ROLES,
        )
        .filter(
            Q(membership__assignments__programme_id=course.programme_id)
            | Q(membership__role="ADMIN")
        )
        .distinct()
        .order_by("full_name", "email")
    )
