"""Writes to courses. Every function validates, saves and audits in one transaction."""

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arraigo.accounts.models import User
from arraigo.accounts.permissions import membership_of
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.learning.models import (
    AccessLink,
    Attendance,
    Course,
    CourseEnrolment,
    Module,
    ModuleProgress,
    QuizAttempt,
    QuizQuestion,
    Session,
)
from arraigo.learning.permissions import token_hash
from arraigo.learning.selectors import enrolment_candidates, staff_of_course
from arraigo.people.models import Participant
from arraigo.programmes.models import Programme

# How often one person may send one module's quiz through the course link.
QUIZ_ATTEMPTS_PER_HOUR = 5
MIN_CHOICES = 2
MAX_CHOICES = 6
CHOICE_MAX_LENGTH = 200
LINK_MAX_DAYS = 366


class CourseCodeTaken(ApplicationError):
    """Raised when a programme already has a course with the code given."""


class ProgrammeNotRunByOrganisation(ApplicationError):
    """Raised when a course is created in a programme the user's organisation does not run."""


class CourseNotActive(ApplicationError):
    """Raised when people are enrolled in a course that is no longer active."""


class SessionCancelled(ApplicationError):
    """Raised when attendance is taken, or a change made, at a cancelled session."""


class SessionNotYetHeld(ApplicationError):
    """Raised when attendance is taken before the day of the session."""


class NotAFacilitator(ApplicationError):
    """Raised when a session is given to someone who does not work in the course's programme."""


class NotAParticipantOfProgramme(ApplicationError):
    """Raised when someone not enrolled in the course's programme (or not visible) is enrolled."""


class AlreadyEnrolled(ApplicationError):
    """Raised when someone already taking the course is enrolled again."""


class EnrolmentWithdrawn(ApplicationError):
    """Raised when attendance or progress is recorded for someone who withdrew."""


class AlreadyWithdrawn(ApplicationError):
    """Raised when someone is withdrawn from a course twice."""


class WrongCourse(ApplicationError):
    """Raised when a session, module or enrolment of another course is mixed in."""


class PositionTaken(ApplicationError):
    """Raised when a module or quiz question is given a position another one has."""


class ProgressUnchanged(ApplicationError):
    """Raised when module progress is recorded exactly as it already is."""


class QuizNotAvailable(ApplicationError):
    """Raised when a module without questions is answered as a quiz, or the reverse."""


class TooManyQuizAttempts(ApplicationError):
    """Raised when a quiz is sent through a course link too often in an hour."""


class LinkNotValid(ApplicationError):
    """Raised when a course link that expired or was revoked is used."""


class LinkAlreadyRevoked(ApplicationError):
    """Raised when a course link is revoked twice."""


# --- Helpers ------------------------------------------------------------------------------------


def _clean(instance: Model, *, exclude: list[str]) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _today(at: datetime.datetime) -> datetime.date:
    return timezone.localdate(at)


def _not_in_future(value: datetime.date, *, at: datetime.datetime, field_name: str) -> None:
    if value > _today(at):
        raise ValidationError({field_name: _("This date cannot be in the future.")})


def _require_active(enrolment: CourseEnrolment) -> None:
    if enrolment.withdrawn_on is not None:
        raise EnrolmentWithdrawn(_("This person withdrew from the course."))


# --- Courses ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseDetails:
    code: str
    title: str
    kind: str
    delivery: str
    description: str = ""
    min_attendance_percent: int | None = 80
    requires_modules: bool = False
    is_active: bool = True

    def values(self) -> dict[str, object]:
        return {
            "code": self.code.strip().upper(),
            "title": self.title.strip(),
            "kind": self.kind,
            "delivery": self.delivery,
            "description": self.description.strip(),
            "min_attendance_percent": self.min_attendance_percent,
            "requires_modules": self.requires_modules,
            "is_active": self.is_active,
        }


def _check_course(course: Course) -> None:
    if course.min_attendance_percent is None and not course.requires_modules:
        raise ValidationError(
            {
                "min_attendance_percent": _(
                    "Give a minimum attendance, require every module, or both: a course needs "
                    "a rule for completing it."
                )
            }
        )
    _clean(course, exclude=["organisation", "programme"])
    taken = Course.objects.filter(programme_id=course.programme_id, code=course.code)
    if taken.exclude(pk=course.pk).exists():
        raise CourseCodeTaken(_("Another course of this programme has this code."), field="code")


@transaction.atomic
def course_create(
    *, programme: Programme, details: CourseDetails, by: User, at: datetime.datetime
) -> Course:
    """Create a course of *programme*, run by *by*'s organisation.

    :raises ProgrammeNotRunByOrganisation: if *by*'s organisation neither leads nor partners in
        the programme.
    :raises CourseCodeTaken: if the programme has a course with the same code.
    :raises ValidationError: keyed by field, e.g. no completion rule.
    """
    membership = membership_of(by)
    runs_it = membership is not None and (
        programme.organisation_id == membership.organisation_id
        or programme.partners.filter(pk=membership.organisation_id).exists()
    )
    if membership is None or not runs_it:
        raise ProgrammeNotRunByOrganisation(
            _("Your organisation does not run this programme."), field="programme"
        )
    organisation_id = membership.organisation_id
    course = Course(organisation_id=organisation_id, programme=programme, **details.values())
    _check_course(course)
    try:
        with transaction.atomic():
            course.save(force_insert=True)
    except IntegrityError as error:  # the same code saved a moment ago
        raise CourseCodeTaken(
            _("Another course of this programme has this code."), field="code"
        ) from error
    audit.record_created(actor=by, action="course.created", target=course, at=at)
    return course


@transaction.atomic
def course_update(
    *, course: Course, details: CourseDetails, by: User, at: datetime.datetime
) -> Course:
    """Change *course*'s details and completion rule (completion is recomputed from then on).

    :raises CourseCodeTaken: if another course of the programme has the new code.
    :raises ValidationError: keyed by field.
    """
    before = audit.snapshot(course)
    for name, value in details.values().items():
        setattr(course, name, value)
    _check_course(course)
    try:
        with transaction.atomic():
            course.save(update_fields=[*details.values(), "updated_at"])
    except IntegrityError as error:
        raise CourseCodeTaken(
            _("Another course of this programme has this code."), field="code"
        ) from error
    audit.record(
        actor=by,
        action="course.updated",
        target=course,
        at=at,
        changes=audit.changes_between(before, course),
    )
    return course


# --- Sessions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionDetails:
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None = None
    place: str = ""
    facilitator: User | None = None
    facilitator_name: str = ""
    topic: str = ""


_SESSION_FIELDS = ("starts_at", "ends_at", "place", "facilitator", "facilitator_name", "topic")


def _apply_session(session: Session, details: SessionDetails) -> None:
    if details.ends_at is not None and details.ends_at <= details.starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})
    if details.facilitator is not None and details.facilitator_name.strip():
        raise ValidationError(
            {"facilitator_name": _("Choose a member of staff or write a name, not both.")}
        )
    if (
        details.facilitator is not None
        and not staff_of_course(course=session.course).filter(pk=details.facilitator.pk).exists()
    ):
        raise NotAFacilitator(
            _("Choose someone of your organisation who works in this programme."),
            field="facilitator",
        )
    session.starts_at = details.starts_at
    session.ends_at = details.ends_at
    session.place = details.place.strip()
    session.facilitator = details.facilitator
    session.facilitator_name = details.facilitator_name.strip()
    session.topic = details.topic.strip()
    _clean(session, exclude=["course", "facilitator"])


@transaction.atomic
def session_add(
    *, course: Course, details: SessionDetails, by: User, at: datetime.datetime
) -> Session:
    """Add a session to *course*.

    :raises NotAFacilitator: if the staff facilitator does not work in the programme.
    :raises ValidationError: keyed by field: an end before the start, two facilitators.
    """
    session = Session(course=course)
    _apply_session(session, details)
    session.save(force_insert=True)
    audit.record_created(actor=by, action="session.added", target=session, at=at)
    return session


@transaction.atomic
def session_update(
    *, session: Session, details: SessionDetails, by: User, at: datetime.datetime
) -> Session:
    """Change when, where or with whom *session* is held.

    :raises SessionCancelled: if the session was cancelled.
    :raises NotAFacilitator: as ``session_add``.
    :raises ValidationError: as ``session_add``.
    """
    if session.is_cancelled:
        raise SessionCancelled(_("This session was cancelled."))
    before = audit.snapshot(session)
    _apply_session(session, details)
    session.save(update_fields=[*_SESSION_FIELDS, "updated_at"])
    audit.record(
        actor=by,
        action="session.updated",
        target=session,
        at=at,
        changes=audit.changes_between(before, session),
    )
    return session


@transaction.atomic
def session_cancel(*, session: Session, by: User, at: datetime.datetime) -> Session:
    """Cancel *session*: it no longer counts for anyone's attendance.

    :raises SessionCancelled: if it was already cancelled.
    """
    if session.is_cancelled:
        raise SessionCancelled(_("This session was already cancelled."))
    audit.save_fields(session, {"is_cancelled": True}, actor=by, action="session.cancelled", at=at)
    return session


# --- Enrolment ----------------------------------------------------------------------------------


@transaction.atomic
def course_enrol(
    *,
    course: Course,
    participants: Iterable[Participant],
    enrolled_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> list[CourseEnrolment]:
    """Enrol *participants* in *course*; people who had withdrawn take it up again.

    Only people *by* may see, of the course's organisation and enrolled in its programme.

    :raises CourseNotActive: if the course is no longer active.
    :raises NotAParticipantOfProgramme: if one of them is not enrolled in the programme.
    :raises AlreadyEnrolled: if one of them already takes the course.
    :raises ValidationError: keyed by field: a date in the future, or no one chosen.
    """
    if not course.is_active:
        raise CourseNotActive(_("This course is no longer active."))
    people = list({participant.pk: participant for participant in participants}.values())
    if not people:
        raise ValidationError({"participants": _("Choose at least one person.")})
    _not_in_future(enrolled_on, at=at, field_name="enrolled_on")
    existing = {
        enrolment.participant_id: enrolment
        for enrolment in CourseEnrolment.objects.select_for_update().filter(
            course=course, participant__in=[p.pk for p in people]
        )
    }
    taking = [p for p in people if p.pk in existing and existing[p.pk].withdrawn_on is None]
    if taking:
        raise AlreadyEnrolled(
            ngettext(
                "%(names)s already takes this course.",
                "%(names)s already take this course.",
                len(taking),
            )
            % {"names": ", ".join(p.full_name for p in taking)},
            field="participants",
        )
    allowed = set(
        enrolment_candidates(user=by, course=course)
        .filter(pk__in=[p.pk for p in people])
        .values_list("pk", flat=True)
    )
    if len(allowed) < len(people):
        raise NotAParticipantOfProgramme(
            _("Only people enrolled in the course's programme can take it."),
            field="participants",
        )
    enrolments = []
    for participant in people:
        previous = existing.get(participant.pk)
        if previous is not None:
            previous.course = course
            audit.save_fields(
                previous,
                {"withdrawn_on": None, "enrolled_on": enrolled_on},
                actor=by,
                action="course_enrolment.resumed",
                at=at,
            )
            enrolments.append(previous)
            continue
        enrolment = CourseEnrolment(course=course, participant=participant, enrolled_on=enrolled_on)
        try:
            with transaction.atomic():
                enrolment.save(force_insert=True)
        except IntegrityError as error:  # enrolled by someone else a moment ago
            raise AlreadyEnrolled(
                _("%(name)s already takes this course.") % {"name": participant.full_name},
                field="participants",
            ) from error
        audit.record_created(actor=by, action="course_enrolment.created", target=enrolment, at=at)
        enrolments.append(enrolment)
    return enrolments


@transaction.atomic
def course_withdraw(
    *,
    enrolment: CourseEnrolment,
    withdrawn_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> CourseEnrolment:
    """Record that *enrolment*'s participant left the course on *withdrawn_on*.

    Their attendance and progress stay; their course link stops opening the course.

    :raises AlreadyWithdrawn: if they had already withdrawn.
    :raises ValidationError: keyed by field: a date in the future or before the enrolment.
    """
    if enrolment.withdrawn_on is not None:
        raise AlreadyWithdrawn(_("This person already withdrew from the course."))
    _not_in_future(withdrawn_on, at=at, field_name="withdrawn_on")
    if withdrawn_on < enrolment.enrolled_on:
        raise ValidationError(
            {
                "withdrawn_on": _("This date is before the person enrolled (%(date)s).")
                % {"date": enrolment.enrolled_on.isoformat()}
            }
        )
    audit.save_fields(
        enrolment,
        {"withdrawn_on": withdrawn_on},
        actor=by,
        action="course_enrolment.withdrawn",
        at=at,
    )
    return enrolment


# --- Attendance ---------------------------------------------------------------------------------


def _check_attendance(session: Session, enrolment: CourseEnrolment, at: datetime.datetime) -> None:
    if session.is_cancelled:
        raise SessionCancelled(_("This session was cancelled: no attendance is taken."))
    if timezone.localdate(session.starts_at) > _today(at):
        raise SessionNotYetHeld(_("Attendance is taken on the day of the session, or after."))
    if enrolment.course_id != session.course_id:
        raise WrongCourse(_("This person is not enrolled in the session's course."))
    _require_active(enrolment)


@transaction.atomic
def attendance_record(
    *,
    session: Session,
    enrolment: CourseEnrolment,
    present: bool,
    by: User,
    at: datetime.datetime,
) -> Attendance:
    """Record whether *enrolment*'s participant was at *session*.

    One row per session and person: recording again changes that row (and recording the same
    answer again changes nothing), so a tap sent twice over a slow connection is harmless.

    :raises SessionCancelled: if the session was cancelled.
    :raises SessionNotYetHeld: if the session's day has not come.
    :raises WrongCourse: if the person is enrolled in another course.
    :raises EnrolmentWithdrawn: if the person withdrew.
    """
    _check_attendance(session, enrolment, at)
    attendance = (
        Attendance.objects.select_for_update().filter(session=session, enrolment=enrolment).first()
    )
    if attendance is None:
        attendance = Attendance(
            session=session, enrolment=enrolment, present=present, recorded_by=by, recorded_at=at
        )
        try:
            with transaction.atomic():
                attendance.save(force_insert=True)
        except IntegrityError:  # the same person recorded from another phone a moment ago
            attendance = Attendance.objects.select_for_update().get(
                session=session, enrolment=enrolment
            )
        else:
            audit.record_created(actor=by, action="attendance.recorded", target=attendance, at=at)
            return attendance
    if attendance.present == present:
        return attendance
    attendance.session = session
    attendance.enrolment = enrolment
    audit.save_fields(
        attendance,
        {"present": present, "recorded_by": by, "recorded_at": at},
        actor=by,
        action="attendance.changed",
        at=at,
    )
    return attendance


@transaction.atomic
def attendance_record_sheet(
    *,
    session: Session,
    enrolments: Iterable[CourseEnrolment],
    present: set[UUID],
    by: User,
    at: datetime.datetime,
) -> int:
    """Record a whole attendance sheet: each of *enrolments* present if its id is in *present*,
    absent otherwise. Returns how many people were present.

    :raises: as ``attendance_record``, for the first person it refuses; nothing is saved then.
    """
    count = 0
    for enrolment in enrolments:
        is_present = enrolment.pk in present
        attendance_record(session=session, enrolment=enrolment, present=is_present, by=by, at=at)
        count += is_present
    return count


# --- Modules and quizzes ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleDetails:
    order: int
    title: str
    content: str = ""
    pass_mark: int = 70


def _apply_module(module: Module, details: ModuleDetails) -> None:
    module.order = details.order
    module.title = details.title.strip()
    module.content = details.content.strip()
    module.pass_mark = details.pass_mark
    _clean(module, exclude=["course"])
    taken = Module.objects.filter(course_id=module.course_id, order=module.order)
    if taken.exclude(pk=module.pk).exists():
        raise PositionTaken(_("Another module has this position."), field="order")


def _save_positioned(instance: Model, *, message: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise PositionTaken(message, field="order") from error


@transaction.atomic
def module_create(
    *, course: Course, details: ModuleDetails, by: User, at: datetime.datetime
) -> Module:
    """Add a module to *course*.

    :raises PositionTaken: if another module of the course has the same position.
    :raises ValidationError: keyed by field.
    """
    module = Module(course=course)
    _apply_module(module, details)
    _save_positioned(module, message=_("Another module has this position."))
    audit.record_created(actor=by, action="module.created", target=module, at=at)
    return module


@transaction.atomic
def module_update(
    *, module: Module, details: ModuleDetails, by: User, at: datetime.datetime
) -> Module:
    """Change *module*'s position, title, content or pass mark.

    A new pass mark applies to quizzes answered from then on.

    :raises PositionTaken: as ``module_create``.
    :raises ValidationError: keyed by field.
    """
    before = audit.snapshot(module)
    _apply_module(module, details)
    _save_positioned(module, message=_("Another module has this position."))
    audit.record(
        actor=by,
        action="module.updated",
        target=module,
        at=at,
        changes=audit.changes_between(before, module),
    )
    return module


@dataclass(frozen=True)
class QuestionDetails:
    order: int
    text: str
    choices: list[str]
    correct_choice: int  # index in *choices*, from 0


def _apply_question(question: QuizQuestion, details: QuestionDetails) -> None:
    choices = [choice.strip() for choice in details.choices if choice.strip()]
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        raise ValidationError(
            {
                "choices": _("Write between %(min)s and %(max)s answers, one a line.")
                % {"min": MIN_CHOICES, "max": MAX_CHOICES}
            }
        )
    if any(len(choice) > CHOICE_MAX_LENGTH for choice in choices):
        raise ValidationError(
            {
                "choices": _("Each answer has at most %(max)s characters.")
                % {"max": CHOICE_MAX_LENGTH}
            }
        )
    if len(set(choices)) < len(choices):
        raise ValidationError({"choices": _("Two answers are the same.")})
    if not 0 <= details.correct_choice < len(choices):
        raise ValidationError(
            {"correct_choice": _("Give the number of one of the answers written above.")}
        )
    question.order = details.order
    question.text = details.text.strip()
    question.choices = choices
    question.correct_choice = details.correct_choice
    _clean(question, exclude=["module"])
    taken = QuizQuestion.objects.filter(module_id=question.module_id, order=question.order)
    if taken.exclude(pk=question.pk).exists():
        raise PositionTaken(_("Another question has this position."), field="order")


@transaction.atomic
def question_create(
    *, module: Module, details: QuestionDetails, by: User, at: datetime.datetime
) -> QuizQuestion:
    """Add a question to *module*'s quiz.

    :raises PositionTaken: if another question of the module has the same position.
    :raises ValidationError: keyed by field: too few or too many answers, a right answer that
        is not one of them.
    """
    question = QuizQuestion(module=module)
    _apply_question(question, details)
    _save_positioned(question, message=_("Another question has this position."))
    audit.record_created(actor=by, action="quiz_question.created", target=question, at=at)
    return question


@transaction.atomic
def question_update(
    *, question: QuizQuestion, details: QuestionDetails, by: User, at: datetime.datetime
) -> QuizQuestion:
    """Change a quiz question. Scores already given stay as they were.

    :raises PositionTaken: as ``question_create``.
    :raises ValidationError: as ``question_create``.
    """
    before = audit.snapshot(question)
    _apply_question(question, details)
    _save_positioned(question, message=_("Another question has this position."))
    audit.record(
        actor=by,
        action="quiz_question.updated",
        target=question,
        at=at,
        changes=audit.changes_between(before, question),
    )
    return question


@transaction.atomic
def question_remove(*, question: QuizQuestion, by: User, at: datetime.datetime) -> None:
    """Take a question out of its module's quiz. Scores already given stay as they were."""
    audit.record(
        actor=by,
        action="quiz_question.removed",
        target=question,
        at=at,
        changes={name: [value, None] for name, value in audit.snapshot(question).items()},
    )
    question.delete()


# --- Progress in modules ------------------------------------------------------------------------


def _passes(*, correct: int, total: int, pass_mark: int) -> bool:
    # Compared in whole numbers: 7 of 10 right passes a 70 % mark.
    return correct * 100 >= pass_mark * total


def _score(*, correct: int, total: int) -> int:
    return correct * 100 // total


def _save_progress(
    progress: ModuleProgress,
    values: dict[str, object],
    *,
    actor: User | None,
    at: datetime.datetime,
) -> ModuleProgress:
    if progress._state.adding:
        for name, value in values.items():
            setattr(progress, name, value)
        _clean(progress, exclude=["enrolment", "module", "recorded_by"])
        progress.save(force_insert=True)
        audit.record_created(actor=actor, action="module_progress.recorded", target=progress, at=at)
        return progress
    audit.save_fields(progress, values, actor=actor, action="module_progress.changed", at=at)
    return progress


def _progress_of(enrolment: CourseEnrolment, module: Module) -> ModuleProgress:
    if module.course_id != enrolment.course_id:
        raise WrongCourse(_("This module belongs to another course."))
    _require_active(enrolment)
    progress = (
        ModuleProgress.objects.select_for_update()
        .filter(enrolment=enrolment, module=module)
        .first()
    )
    if progress is None:
        progress = ModuleProgress(enrolment=enrolment, module=module)
    progress.enrolment = enrolment
    progress.module = module
    return progress


@transaction.atomic
def module_progress_record(
    *,
    enrolment: CourseEnrolment,
    module: Module,
    completed_on: datetime.date | None,
    quiz_score: int | None,
    by: User,
    at: datetime.datetime,
) -> ModuleProgress:
    """Record, as staff, how far *enrolment*'s participant got in *module*.

    Passed is computed: completed and, where the module has a quiz, a score at its pass mark.

    :raises WrongCourse: if the module is of another course.
    :raises EnrolmentWithdrawn: if the person withdrew.
    :raises ProgressUnchanged: if it is recorded exactly as it already was.
    :raises ValidationError: keyed by field: a date in the future, a score without a date or
        above 100, a score for a module without a quiz.
    """
    progress = _progress_of(enrolment, module)
    has_quiz = module.questions.exists()
    if completed_on is not None:
        _not_in_future(completed_on, at=at, field_name="completed_on")
    if quiz_score is not None and not has_quiz:
        raise ValidationError({"quiz_score": _("This module has no quiz.")})
    if quiz_score is not None and completed_on is None:
        raise ValidationError({"completed_on": _("Give the date the quiz was done.")})
    if quiz_score is not None and not 0 <= quiz_score <= 100:
        raise ValidationError({"quiz_score": _("A score goes from 0 to 100.")})
    completed_at = None
    if completed_on is not None:
        same_day = progress.completed_at and timezone.localdate(progress.completed_at)
        completed_at = (
            progress.completed_at
            if same_day == completed_on
            else timezone.make_aware(datetime.datetime.combine(completed_on, datetime.time(12)))
        )
    if completed_at is None:
        if progress._state.adding:
            raise ValidationError({"completed_on": _("Give the date the module was completed.")})
        passed = False
    elif has_quiz:
        passed = quiz_score is not None and quiz_score >= module.pass_mark
    else:
        passed = True
    values: dict[str, object] = {
        "completed_at": completed_at,
        "quiz_score": quiz_score,
        "passed": passed,
    }
    if not progress._state.adding and all(
        getattr(progress, name) == value for name, value in values.items()
    ):
        raise ProgressUnchanged(_("This progress is already recorded."))
    values["recorded_by"] = by
    return _save_progress(progress, values, actor=by, at=at)


@dataclass(frozen=True)
class QuizResult:
    correct: int
    total: int
    score: int
    passed: bool


def _require_valid(link: AccessLink, at: datetime.datetime) -> None:
    if (
        link.revoked_at is not None
        or link.expires_on < _today(at)
        or link.enrolment.withdrawn_on is not None
    ):
        raise LinkNotValid(_("This link is no longer valid."))


@transaction.atomic
def quiz_answer(
    *, link: AccessLink, module: Module, answers: Mapping[UUID, int], at: datetime.datetime
) -> QuizResult:
    """Score the quiz of *module* that the participant of *link* answered, on the server.

    *answers* maps question id to the index of the answer chosen. The module is completed; it is
    passed when the score reaches its pass mark. The best score is kept, and a module once
    passed stays passed.

    :raises LinkNotValid: if the link expired, was revoked, or the person withdrew.
    :raises WrongCourse: if the module is of another course.
    :raises QuizNotAvailable: if the module has no quiz.
    :raises TooManyQuizAttempts: after QUIZ_ATTEMPTS_PER_HOUR attempts within an hour.
    :raises ValidationError: keyed by question id, for a question left unanswered.
    """
    _require_valid(link, at)
    enrolment = link.enrolment
    progress = _progress_of(enrolment, module)
    questions = list(module.questions.order_by("order", "id"))
    if not questions:
        raise QuizNotAvailable(_("This module has no quiz."))
    recent = QuizAttempt.objects.filter(
        enrolment=enrolment, module=module, answered_at__gt=at - datetime.timedelta(hours=1)
    ).count()
    if recent >= QUIZ_ATTEMPTS_PER_HOUR:
        raise TooManyQuizAttempts(
            _(
                "You have tried this quiz %(count)s times in the last hour. Read the module again "
                "and come back later."
            )
            % {"count": recent}
        )
    unanswered = {
        str(question.pk): _("Choose an answer.")
        for question in questions
        if not 0 <= answers.get(question.pk, -1) < len(question.choices)
    }
    if unanswered:
        raise ValidationError(unanswered)
    correct = sum(answers[question.pk] == question.correct_choice for question in questions)
    total = len(questions)
    score = _score(correct=correct, total=total)
    passed = _passes(correct=correct, total=total, pass_mark=module.pass_mark)
    attempt = QuizAttempt(enrolment=enrolment, module=module, answered_at=at, score=score)
    attempt.save(force_insert=True)
    audit.record_created(actor=None, action="quiz.answered", target=attempt, at=at)
    best = max(score, progress.quiz_score or 0)
    _save_progress(
        progress,
        {
            "completed_at": progress.completed_at or at,
            "quiz_score": best,
            "passed": progress.passed or passed,
            "recorded_by": None,
        },
        actor=None,
        at=at,
    )
    return QuizResult(correct=correct, total=total, score=score, passed=passed)


@transaction.atomic
def module_mark_read(*, link: AccessLink, module: Module, at: datetime.datetime) -> ModuleProgress:
    """Complete (and so pass) a module without a quiz, for the participant of *link*.

    :raises LinkNotValid: if the link expired, was revoked, or the person withdrew.
    :raises WrongCourse: if the module is of another course.
    :raises QuizNotAvailable: if the module has a quiz: it is completed by answering it.
    :raises ProgressUnchanged: if the module was already completed.
    """
    _require_valid(link, at)
    progress = _progress_of(link.enrolment, module)
    if module.questions.exists():
        raise QuizNotAvailable(_("Answer the quiz to complete this module."))
    if progress.completed_at is not None:
        raise ProgressUnchanged(_("You already completed this module."))
    return _save_progress(
        progress,
        {"completed_at": at, "passed": True, "recorded_by": None},
        actor=None,
        at=at,
    )


# --- Course links -------------------------------------------------------------------------------


@transaction.atomic
def access_link_create(
    *, enrolment: CourseEnrolment, expires_on: datetime.date, by: User, at: datetime.datetime
) -> tuple[AccessLink, str]:
    """Make a link that opens *enrolment*'s course for its participant until *expires_on*.

    Returns the link and its token; the token is not stored (only its hash) and cannot be shown
    again. The person's earlier links stop working: only the newest one opens the course.

    :raises EnrolmentWithdrawn: if the person withdrew.
    :raises ValidationError: keyed by field: an expiry in the past or more than a year away.
    """
    _require_active(enrolment)
    today = _today(at)
    if expires_on < today:
        raise ValidationError({"expires_on": _("This date has passed.")})
    if expires_on > today + datetime.timedelta(days=LINK_MAX_DAYS):
        raise ValidationError({"expires_on": _("A link is valid for a year at most.")})
    for previous in AccessLink.objects.select_for_update().filter(
        enrolment=enrolment, revoked_at__isnull=True
    ):
        previous.enrolment = enrolment
        audit.save_fields(
            previous, {"revoked_at": at}, actor=by, action="access_link.replaced", at=at
        )
    token = secrets.token_urlsafe(32)
    link = AccessLink(
        enrolment=enrolment, token_hash=token_hash(token), expires_on=expires_on, created_by=by
    )
    link.save(force_insert=True)
    # The hash is left out of the log: it stands for the token.
    audit.record(
        actor=by,
        action="access_link.created",
        target=link,
        at=at,
        changes={"enrolment": [None, str(enrolment.pk)], "expires_on": [None, str(expires_on)]},
    )
    return link, token


@transaction.atomic
def access_link_revoke(*, link: AccessLink, by: User, at: datetime.datetime) -> AccessLink:
    """Stop *link* from opening the course, at once.

    :raises LinkAlreadyRevoked: if it was already revoked.
    """
    if link.revoked_at is not None:
        raise LinkAlreadyRevoked(_("This link was already revoked."))
    audit.save_fields(link, {"revoked_at": at}, actor=by, action="access_link.revoked", at=at)
    return link
