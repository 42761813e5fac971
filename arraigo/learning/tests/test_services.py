"""Each rule of the course services, each refusal, the completion rule, and the audit events."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from arraigo.accounts.models import Role
from arraigo.core.models import AuditEvent
from arraigo.learning import services
from arraigo.learning.models import (
    AccessLink,
    Attendance,
    Course,
    CourseEnrolment,
    ModuleProgress,
    QuizAttempt,
    Session,
)
from arraigo.learning.permissions import link_for_token
from arraigo.learning.selectors import completion
from arraigo.learning.tests.conftest import NOW
from arraigo.learning.tests.factories import (
    AttendanceFactory,
    CourseEnrolmentFactory,
    CourseFactory,
    ModuleFactory,
    ModuleProgressFactory,
    QuizQuestionFactory,
    SessionFactory,
)
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

TODAY = NOW.date()


def _events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def _days(n):
    return datetime.timedelta(days=n)


def _sessions(course, count, *, first=None, **fields):
    first = first or NOW - _days(30)
    return [
        SessionFactory(course=course, starts_at=first + _days(7 * n), **fields)
        for n in range(count)
    ]


def _attend(enrolment, sessions, *, present=True):
    for session in sessions:
        AttendanceFactory(session=session, enrolment=enrolment, present=present)


# --- The completion rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "completed"),
    [(10, True), (8, True), (7, False), (0, False)],
)
def test_attendance_rule_at_the_80_percent_boundary(course, attended, completed):
    sessions = _sessions(course, 10, first=NOW - _days(80))
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, sessions[:attended])

    result = completion(enrolment, at=NOW)

    assert result.sessions_held == 10
    assert result.sessions_attended == attended
    assert result.percent_attended == attended * 10
    assert result.completed is completed
    assert bool(result.reasons) is not completed


def test_four_of_five_is_exactly_80_percent_and_completes(course):
    sessions = _sessions(course, 5)
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, sessions[:4])

    assert completion(enrolment, at=NOW).completed is True


def test_recorded_absences_do_not_count_as_attended(course):
    sessions = _sessions(course, 5)
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, sessions[:3])
    _attend(enrolment, sessions[3:], present=False)

    result = completion(enrolment, at=NOW)

    assert (result.sessions_attended, result.completed) == (3, False)
    assert result.reasons == ("Attended 3 of 5 sessions; 80 % are needed.",)


def test_cancelled_sessions_do_not_count(course):
    held = _sessions(course, 4)
    cancelled = SessionFactory(course=course, starts_at=NOW - _days(2), is_cancelled=True)
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, held)
    # Marked present at the cancelled session by mistake: still not counted either way.
    AttendanceFactory(session=cancelled, enrolment=enrolment, present=True)

    result = completion(enrolment, at=NOW)

    assert (result.sessions_held, result.sessions_attended) == (4, 4)
    assert result.completed is True


def test_a_cancelled_session_missed_does_not_pull_below_the_minimum(course):
    held = _sessions(course, 4)
    SessionFactory(course=course, starts_at=NOW - _days(1), is_cancelled=True)
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, held[:4])

    assert completion(enrolment, at=NOW).percent_attended == 100


def test_future_sessions_do_not_count(course):
    past = _sessions(course, 4, first=NOW - _days(40))
    _sessions(course, 6, first=NOW + _days(1))
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, past)

    result = completion(enrolment, at=NOW)

    assert result.sessions_held == 4
    assert result.completed is True
    # Once they are held, the same attendance is 40 %.
    assert completion(enrolment, at=NOW + _days(60)).completed is False


def test_a_session_counts_from_the_moment_it_starts(course):
    session = SessionFactory(course=course, starts_at=NOW)
    enrolment = CourseEnrolmentFactory(course=course)

    assert completion(enrolment, at=NOW - datetime.timedelta(seconds=1)).sessions_held == 0
    assert completion(enrolment, at=NOW).sessions_held == 1
    assert session.pk


def test_no_session_held_is_not_complete(course):
    _sessions(course, 3, first=NOW + _days(1))
    enrolment = CourseEnrolmentFactory(course=course)

    result = completion(enrolment, at=NOW)

    assert result.completed is False
    assert result.percent_attended is None
    assert result.reasons == ("No session has been held yet.",)


def test_sessions_of_another_course_do_not_count(course):
    enrolment = CourseEnrolmentFactory(course=course)
    other = CourseFactory(programme=course.programme)
    _sessions(other, 3)
    _attend(enrolment, _sessions(course, 1))

    result = completion(enrolment, at=NOW)

    assert (result.sessions_held, result.completed) == (1, True)


def test_modules_rule_needs_every_module_passed():
    course = CourseFactory(min_attendance_percent=None, requires_modules=True)
    first, second = ModuleFactory(course=course), ModuleFactory(course=course)
    enrolment = CourseEnrolmentFactory(course=course)
    ModuleProgressFactory(enrolment=enrolment, module=first, passed=True)
    ModuleProgressFactory(enrolment=enrolment, module=second, passed=False, quiz_score=40)

    result = completion(enrolment, at=NOW)

    assert (result.modules_passed, result.modules_total, result.completed) == (1, 2, False)
    assert result.reasons == ("1 module still to pass.",)
    ModuleProgress.objects.filter(module=second).update(passed=True)
    assert completion(enrolment, at=NOW).completed is True


def test_a_module_course_without_modules_is_not_complete():
    course = CourseFactory(min_attendance_percent=None, requires_modules=True)
    enrolment = CourseEnrolmentFactory(course=course)

    result = completion(enrolment, at=NOW)

    assert result.completed is False
    assert result.reasons == ("The course has no modules yet.",)


def test_both_rules_must_hold():
    course = CourseFactory(min_attendance_percent=80, requires_modules=True)
    module = ModuleFactory(course=course)
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, _sessions(course, 2))

    assert completion(enrolment, at=NOW).completed is False
    ModuleProgressFactory(enrolment=enrolment, module=module)
    assert completion(enrolment, at=NOW).completed is True


def test_a_person_who_withdrew_has_not_completed(course):
    enrolment = CourseEnrolmentFactory(course=course)
    _attend(enrolment, _sessions(course, 2))
    enrolment.withdrawn_on = TODAY
    enrolment.save()

    result = completion(enrolment, at=NOW)

    assert result.completed is False
    assert result.reasons == ("Withdrew from the course.",)


# --- Courses ------------------------------------------------------------------------------------


def _details(**changes):
    values = {
        "code": " emp-1 ",
        "title": " Emprende ",
        "kind": Course.Kind.ENTREPRENEURSHIP,
        "delivery": Course.Delivery.IN_PERSON,
        "min_attendance_percent": 80,
    }
    values.update(changes)
    return services.CourseDetails(**values)


def test_course_create_belongs_to_the_users_organisation_and_is_audited(manager, programme):
    course = services.course_create(programme=programme, details=_details(), by=manager, at=NOW)

    assert (course.code, course.title) == ("EMP-1", "Emprende")
    assert course.organisation_id == manager.membership.organisation_id
    event = _events("course.created").get()
    assert event.target_id == str(course.pk)
    assert event.changes["code"] == [None, "EMP-1"]


def test_a_partner_organisation_creates_its_own_courses(make_member, other_organisation, programme):
    programme.partners.add(other_organisation)
    partner_manager = make_member(
        Role.MANAGER, organisation=other_organisation, programmes=[programme]
    )

    course = services.course_create(
        programme=programme, details=_details(), by=partner_manager, at=NOW
    )

    assert course.organisation == other_organisation


def test_course_create_refuses_a_programme_the_organisation_does_not_run(
    make_member, other_organisation, programme
):
    stranger = make_member(Role.MANAGER, organisation=other_organisation)

    with pytest.raises(services.ProgrammeNotRunByOrganisation):
        services.course_create(programme=programme, details=_details(), by=stranger, at=NOW)
    assert not Course.objects.exists()


def test_course_codes_are_unique_per_programme(manager, programme):
    services.course_create(programme=programme, details=_details(), by=manager, at=NOW)

    with pytest.raises(services.CourseCodeTaken) as refused:
        services.course_create(programme=programme, details=_details(), by=manager, at=NOW)
    assert refused.value.field == "code"
    other = ProgrammeFactory(organisation=programme.organisation)
    assert services.course_create(programme=other, details=_details(), by=manager, at=NOW)


def test_a_course_needs_a_completion_rule(manager, programme):
    details = _details(min_attendance_percent=None, requires_modules=False)

    with pytest.raises(ValidationError) as refused:
        services.course_create(programme=programme, details=details, by=manager, at=NOW)
    assert "min_attendance_percent" in refused.value.message_dict
    assert not _events("course.created").exists()


@pytest.mark.parametrize("percent", [0, 101])
def test_the_minimum_attendance_is_a_percent(manager, programme, percent):
    with pytest.raises(ValidationError) as refused:
        services.course_create(
            programme=programme,
            details=_details(min_attendance_percent=percent),
            by=manager,
            at=NOW,
        )
    assert "min_attendance_percent" in refused.value.message_dict


def test_course_update_records_what_changed(manager, course):
    services.course_update(
        course=course,
        details=_details(code=course.code, title="Nuevo título", requires_modules=True),
        by=manager,
        at=NOW,
    )

    course.refresh_from_db()
    assert (course.title, course.requires_modules) == ("Nuevo título", True)
    changes = _events("course.updated").get().changes
    assert set(changes) == {"title", "requires_modules"}


# --- Sessions -----------------------------------------------------------------------------------


def test_session_add_with_a_staff_facilitator(course, caseworker):
    session = services.session_add(
        course=course,
        details=services.SessionDetails(
            starts_at=NOW, ends_at=NOW + _days(0.1), place=" Alcaldía ", facilitator=caseworker
        ),
        by=caseworker,
        at=NOW,
    )

    assert (session.place, session.facilitator) == ("Alcaldía", caseworker)
    assert _events("session.added", target_id=str(session.pk)).exists()


def test_a_facilitator_from_outside_the_programme_is_refused(course, caseworker, make_member):
    outsider = make_member(Role.CASEWORKER, organisation=course.organisation)

    with pytest.raises(services.NotAFacilitator):
        services.session_add(
            course=course,
            details=services.SessionDetails(starts_at=NOW, facilitator=outsider),
            by=caseworker,
            at=NOW,
        )
    assert not Session.objects.exists()


def test_a_session_has_one_kind_of_facilitator(course, caseworker):
    with pytest.raises(ValidationError) as refused:
        services.session_add(
            course=course,
            details=services.SessionDetails(
                starts_at=NOW, facilitator=caseworker, facilitator_name="Lic. Rivas"
            ),
            by=caseworker,
            at=NOW,
        )
    assert "facilitator_name" in refused.value.message_dict


def test_a_session_ends_after_it_starts(course, caseworker):
    with pytest.raises(ValidationError) as refused:
        services.session_add(
            course=course,
            details=services.SessionDetails(starts_at=NOW, ends_at=NOW),
            by=caseworker,
            at=NOW,
        )
    assert "ends_at" in refused.value.message_dict


def test_session_cancel_once(course, caseworker):
    session = SessionFactory(course=course)

    services.session_cancel(session=session, by=caseworker, at=NOW)

    session.refresh_from_db()
    assert session.is_cancelled is True
    with pytest.raises(services.SessionCancelled):
        services.session_cancel(session=session, by=caseworker, at=NOW)
    with pytest.raises(services.SessionCancelled):
        services.session_update(
            session=session,
            details=services.SessionDetails(starts_at=NOW),
            by=caseworker,
            at=NOW,
        )
    assert _events("session.cancelled").count() == 1


# --- Enrolment ----------------------------------------------------------------------------------


def _of_programme(course, **fields):
    participant = ParticipantFactory(organisation=course.organisation, **fields)
    EnrolmentFactory(participant=participant, programme=course.programme)
    return participant


def test_enrol_people_of_the_programme(course, caseworker):
    people = [_of_programme(course), _of_programme(course)]

    enrolments = services.course_enrol(
        course=course, participants=people, enrolled_on=TODAY, by=caseworker, at=NOW
    )

    assert {e.participant for e in enrolments} == set(people)
    events = _events("course_enrolment.created")
    assert {e.data_subject_id for e in events} == {p.pk for p in people}
    assert {e.organisation_id for e in events} == {course.organisation_id}


def test_only_people_enrolled_in_the_programme_can_take_the_course(course, caseworker):
    in_programme = _of_programme(course)
    outside = ParticipantFactory(organisation=course.organisation)
    elsewhere = ProgrammeFactory(organisation=outside.organisation)
    EnrolmentFactory(participant=outside, programme=elsewhere)

    with pytest.raises(services.NotAParticipantOfProgramme):
        services.course_enrol(
            course=course,
            participants=[in_programme, outside],
            enrolled_on=TODAY,
            by=caseworker,
            at=NOW,
        )
    assert not CourseEnrolment.objects.exists()  # nothing half-written


def test_people_of_another_organisation_cannot_be_enrolled(course, caseworker, other_organisation):
    course.programme.partners.add(other_organisation)
    theirs = ParticipantFactory(organisation=other_organisation)
    EnrolmentFactory(participant=theirs, programme=course.programme)

    with pytest.raises(services.NotAParticipantOfProgramme):
        services.course_enrol(
            course=course, participants=[theirs], enrolled_on=TODAY, by=caseworker, at=NOW
        )


def test_people_the_user_may_not_see_cannot_be_enrolled(course, make_member):
    someone = _of_programme(course)
    not_assigned = make_member(Role.CASEWORKER, organisation=course.organisation)

    with pytest.raises(services.NotAParticipantOfProgramme):
        services.course_enrol(
            course=course, participants=[someone], enrolled_on=TODAY, by=not_assigned, at=NOW
        )


def test_enrolling_twice_is_refused(course, caseworker):
    enrolment = CourseEnrolmentFactory(course=course)

    with pytest.raises(services.AlreadyEnrolled) as refused:
        services.course_enrol(
            course=course,
            participants=[enrolment.participant],
            enrolled_on=TODAY,
            by=caseworker,
            at=NOW,
        )
    assert enrolment.participant.full_name in refused.value.message
    assert CourseEnrolment.objects.count() == 1


def test_someone_who_withdrew_takes_the_course_up_again(course, caseworker):
    enrolment = CourseEnrolmentFactory(course=course, withdrawn_on=TODAY - _days(3))

    again = services.course_enrol(
        course=course,
        participants=[enrolment.participant],
        enrolled_on=TODAY,
        by=caseworker,
        at=NOW,
    )

    assert again == [enrolment]
    enrolment.refresh_from_db()
    assert (enrolment.withdrawn_on, enrolment.enrolled_on) == (None, TODAY)
    assert _events("course_enrolment.resumed").exists()


def test_enrolment_refusals(course, caseworker):
    person = _of_programme(course)
    with pytest.raises(ValidationError) as no_one:
        services.course_enrol(
            course=course, participants=[], enrolled_on=TODAY, by=caseworker, at=NOW
        )
    assert "participants" in no_one.value.message_dict
    with pytest.raises(ValidationError) as future:
        services.course_enrol(
            course=course,
            participants=[person],
            enrolled_on=TODAY + _days(1),
            by=caseworker,
            at=NOW,
        )
    assert "enrolled_on" in future.value.message_dict
    course.is_active = False
    with pytest.raises(services.CourseNotActive):
        services.course_enrol(
            course=course, participants=[person], enrolled_on=TODAY, by=caseworker, at=NOW
        )


def test_withdraw_once_and_not_before_enrolling(course, caseworker):
    enrolment = CourseEnrolmentFactory(course=course, enrolled_on=TODAY - _days(10))

    with pytest.raises(ValidationError) as early:
        services.course_withdraw(
            enrolment=enrolment, withdrawn_on=TODAY - _days(11), by=caseworker, at=NOW
        )
    assert "withdrawn_on" in early.value.message_dict
    services.course_withdraw(enrolment=enrolment, withdrawn_on=TODAY, by=caseworker, at=NOW)
    with pytest.raises(services.AlreadyWithdrawn):
        services.course_withdraw(enrolment=enrolment, withdrawn_on=TODAY, by=caseworker, at=NOW)
    enrolment.refresh_from_db()
    assert enrolment.withdrawn_on == TODAY


# --- Attendance ---------------------------------------------------------------------------------


@pytest.fixture
def session(course):
    return SessionFactory(course=course, starts_at=NOW - _days(1))


def test_attendance_taken_twice_updates_and_never_duplicates(session, caseworker, manager):
    enrolment = CourseEnrolmentFactory(course=session.course)

    services.attendance_record(
        session=session, enrolment=enrolment, present=True, by=caseworker, at=NOW
    )
    services.attendance_record(
        session=session, enrolment=enrolment, present=True, by=caseworker, at=NOW
    )
    changed = services.attendance_record(
        session=session, enrolment=enrolment, present=False, by=manager, at=NOW + _days(1)
    )

    row = Attendance.objects.get()
    assert row.pk == changed.pk
    assert (row.present, row.recorded_by) == (False, manager)
    assert _events("attendance.recorded").count() == 1
    event = _events("attendance.changed").get()
    assert event.changes["present"] == [True, False]
    assert event.data_subject_id == enrolment.participant_id


def test_attendance_is_refused_at_a_cancelled_session(session, caseworker):
    session.is_cancelled = True
    enrolment = CourseEnrolmentFactory(course=session.course)

    with pytest.raises(services.SessionCancelled):
        services.attendance_record(
            session=session, enrolment=enrolment, present=True, by=caseworker, at=NOW
        )
    assert not Attendance.objects.exists()


def test_attendance_is_taken_from_the_day_of_the_session(course, caseworker):
    later_today = SessionFactory(course=course, starts_at=NOW + datetime.timedelta(hours=2))
    tomorrow = SessionFactory(course=course, starts_at=NOW + _days(1))
    enrolment = CourseEnrolmentFactory(course=course)

    services.attendance_record(
        session=later_today, enrolment=enrolment, present=True, by=caseworker, at=NOW
    )
    with pytest.raises(services.SessionNotYetHeld):
        services.attendance_record(
            session=tomorrow, enrolment=enrolment, present=True, by=caseworker, at=NOW
        )


def test_attendance_only_for_people_of_the_course_still_enrolled(session, caseworker):
    other_course = CourseEnrolmentFactory(course=CourseFactory(programme=session.course.programme))
    withdrawn = CourseEnrolmentFactory(course=session.course, withdrawn_on=TODAY)

    with pytest.raises(services.WrongCourse):
        services.attendance_record(
            session=session, enrolment=other_course, present=True, by=caseworker, at=NOW
        )
    with pytest.raises(services.EnrolmentWithdrawn):
        services.attendance_record(
            session=session, enrolment=withdrawn, present=True, by=caseworker, at=NOW
        )
    assert not Attendance.objects.exists()


def test_an_attendance_sheet_marks_everyone_shown(session, caseworker):
    here, away = CourseEnrolmentFactory.create_batch(2, course=session.course)

    count = services.attendance_record_sheet(
        session=session, enrolments=[here, away], present={here.pk}, by=caseworker, at=NOW
    )

    assert count == 1
    assert dict(Attendance.objects.values_list("enrolment_id", "present")) == {
        here.pk: True,
        away.pk: False,
    }


def test_an_attendance_sheet_refused_half_way_saves_nothing(session, caseworker):
    fine = CourseEnrolmentFactory(course=session.course)
    withdrawn = CourseEnrolmentFactory(course=session.course, withdrawn_on=TODAY)

    with pytest.raises(services.EnrolmentWithdrawn):
        services.attendance_record_sheet(
            session=session,
            enrolments=[fine, withdrawn],
            present={fine.pk, withdrawn.pk},
            by=caseworker,
            at=NOW,
        )
    assert not Attendance.objects.exists()
    assert not _events("attendance.recorded").exists()


# --- Modules and questions ----------------------------------------------------------------------


def test_module_positions_are_unique_in_a_course(manager):
    module = ModuleFactory(order=1)
    details = services.ModuleDetails(order=1, title="Otro", pass_mark=70)

    with pytest.raises(services.PositionTaken) as refused:
        services.module_create(course=module.course, details=details, by=manager, at=NOW)
    assert refused.value.field == "order"
    moved = services.module_update(
        module=module,
        details=services.ModuleDetails(order=1, title=" Nuevo ", content="texto", pass_mark=60),
        by=manager,
        at=NOW,
    )
    assert (moved.title, moved.pass_mark) == ("Nuevo", 60)


@pytest.mark.parametrize("pass_mark", [0, 101])
def test_the_pass_mark_is_a_percent(manager, pass_mark):
    course = ModuleFactory().course
    with pytest.raises(ValidationError) as refused:
        services.module_create(
            course=course,
            details=services.ModuleDetails(order=9, title="X", pass_mark=pass_mark),
            by=manager,
            at=NOW,
        )
    assert "pass_mark" in refused.value.message_dict


@pytest.mark.parametrize(
    ("choices", "correct", "field"),
    [
        (["Sola"], 0, "choices"),
        (["a", "b", "c", "d", "e", "f", "g"], 0, "choices"),
        (["Sí", "Sí"], 0, "choices"),
        (["Sí", "No"], 2, "correct_choice"),
    ],
)
def test_question_refusals(manager, choices, correct, field):
    module = ModuleFactory()

    with pytest.raises(ValidationError) as refused:
        services.question_create(
            module=module,
            details=services.QuestionDetails(
                order=1, text="¿?", choices=choices, correct_choice=correct
            ),
            by=manager,
            at=NOW,
        )
    assert field in refused.value.message_dict


def test_question_create_keeps_the_answers_trimmed(manager):
    module = ModuleFactory()

    question = services.question_create(
        module=module,
        details=services.QuestionDetails(
            order=1, text=" ¿Qué? ", choices=[" Uno ", "", "Dos"], correct_choice=1
        ),
        by=manager,
        at=NOW,
    )

    assert (question.text, question.choices, question.correct_choice) == (
        "¿Qué?",
        ["Uno", "Dos"],
        1,
    )
    services.question_remove(question=question, by=manager, at=NOW)
    assert not module.questions.exists()
    assert _events("quiz_question.removed").exists()


# --- Progress -----------------------------------------------------------------------------------


@pytest.fixture
def quiz():
    module = ModuleFactory(pass_mark=70)
    questions = [
        QuizQuestionFactory(module=module, correct_choice=n % 3, order=n + 1) for n in range(3)
    ]
    enrolment = CourseEnrolmentFactory(course=module.course)
    link, _token = services.access_link_create(
        enrolment=enrolment,
        expires_on=TODAY + _days(30),
        by=enrolment.participant.registered_by,
        at=NOW,
    )
    return module, questions, enrolment, link


def _answers(questions, right):
    return {
        q.pk: q.correct_choice if n < right else (q.correct_choice + 1) % 3
        for n, q in enumerate(questions)
    }


def test_the_quiz_is_scored_on_the_server_and_the_best_score_kept(quiz):
    module, questions, enrolment, link = quiz

    first = services.quiz_answer(link=link, module=module, answers=_answers(questions, 2), at=NOW)
    progress = ModuleProgress.objects.get(enrolment=enrolment, module=module)
    assert (first.correct, first.score, first.passed) == (2, 66, False)
    assert (progress.quiz_score, progress.passed, progress.recorded_by) == (66, False, None)
    assert progress.completed_at == NOW

    second = services.quiz_answer(
        link=link, module=module, answers=_answers(questions, 3), at=NOW + _days(1)
    )
    third = services.quiz_answer(
        link=link, module=module, answers=_answers(questions, 0), at=NOW + _days(2)
    )

    progress.refresh_from_db()
    assert (second.score, second.passed, third.score, third.passed) == (100, True, 0, False)
    assert (progress.quiz_score, progress.passed) == (100, True)
    assert progress.completed_at == NOW  # the first completion stays
    assert QuizAttempt.objects.filter(enrolment=enrolment).count() == 3
    assert completion(enrolment, at=NOW + _days(3)).completed is True
    event = _events("quiz.answered").first()
    assert (event.actor, event.data_subject_id) == (None, enrolment.participant_id)


def test_seven_of_ten_right_passes_a_70_percent_mark():
    module = ModuleFactory(pass_mark=70)
    questions = [QuizQuestionFactory(module=module, order=n + 1) for n in range(10)]
    enrolment = CourseEnrolmentFactory(course=module.course)
    link, _token = services.access_link_create(
        enrolment=enrolment, expires_on=TODAY, by=enrolment.participant.registered_by, at=NOW
    )

    result = services.quiz_answer(
        link=link,
        module=module,
        answers={q.pk: 0 if n < 7 else 1 for n, q in enumerate(questions)},
        at=NOW,
    )

    assert (result.score, result.passed) == (70, True)


def test_an_unanswered_question_is_refused_at_that_question(quiz):
    module, questions, _enrolment, link = quiz
    answers = _answers(questions, 3)
    del answers[questions[1].pk]
    answers[questions[2].pk] = 7  # not one of its answers

    with pytest.raises(ValidationError) as refused:
        services.quiz_answer(link=link, module=module, answers=answers, at=NOW)
    assert set(refused.value.message_dict) == {str(questions[1].pk), str(questions[2].pk)}
    assert not QuizAttempt.objects.exists()
    assert not ModuleProgress.objects.exists()


def test_quiz_attempts_are_limited_per_hour(quiz):
    module, questions, _enrolment, link = quiz
    answers = _answers(questions, 1)
    for minute in range(services.QUIZ_ATTEMPTS_PER_HOUR):
        services.quiz_answer(
            link=link, module=module, answers=answers, at=NOW + datetime.timedelta(minutes=minute)
        )

    with pytest.raises(services.TooManyQuizAttempts):
        services.quiz_answer(
            link=link, module=module, answers=answers, at=NOW + datetime.timedelta(minutes=30)
        )
    assert services.quiz_answer(
        link=link, module=module, answers=answers, at=NOW + datetime.timedelta(minutes=61)
    )


def test_a_quiz_through_a_revoked_link_is_refused(quiz, caseworker):
    module, questions, _enrolment, link = quiz
    services.access_link_revoke(link=link, by=caseworker, at=NOW)

    with pytest.raises(services.LinkNotValid):
        services.quiz_answer(link=link, module=module, answers=_answers(questions, 3), at=NOW)


def test_a_module_of_another_course_is_refused(quiz):
    _module, _questions, _enrolment, link = quiz
    elsewhere = QuizQuestionFactory().module

    with pytest.raises(services.WrongCourse):
        services.quiz_answer(link=link, module=elsewhere, answers={}, at=NOW)


def test_a_module_without_quiz_is_completed_by_reading_it(quiz):
    module, _questions, _enrolment, link = quiz
    reading = ModuleFactory(course=module.course)

    with pytest.raises(services.QuizNotAvailable):
        services.module_mark_read(link=link, module=module, at=NOW)
    progress = services.module_mark_read(link=link, module=reading, at=NOW)
    assert (progress.passed, progress.completed_at) == (True, NOW)
    with pytest.raises(services.ProgressUnchanged):
        services.module_mark_read(link=link, module=reading, at=NOW)
    with pytest.raises(services.QuizNotAvailable):
        services.quiz_answer(link=link, module=reading, answers={}, at=NOW)


def test_staff_record_progress_and_passed_is_computed(quiz, caseworker):
    module, _questions, enrolment, _link = quiz

    progress = services.module_progress_record(
        enrolment=enrolment,
        module=module,
        completed_on=TODAY,
        quiz_score=60,
        by=caseworker,
        at=NOW,
    )
    assert (progress.passed, progress.recorded_by) == (False, caseworker)
    progress = services.module_progress_record(
        enrolment=enrolment,
        module=module,
        completed_on=TODAY,
        quiz_score=70,
        by=caseworker,
        at=NOW,
    )
    assert progress.passed is True
    with pytest.raises(services.ProgressUnchanged):
        services.module_progress_record(
            enrolment=enrolment,
            module=module,
            completed_on=TODAY,
            quiz_score=70,
            by=caseworker,
            at=NOW,
        )
    assert ModuleProgress.objects.count() == 1
    assert _events("module_progress.changed").get().changes["passed"] == [False, True]


def test_staff_progress_refusals(quiz, caseworker):
    module, _questions, enrolment, _link = quiz
    reading = ModuleFactory(course=module.course)

    cases = [
        (reading, TODAY, 80, "quiz_score"),
        (module, None, 80, "completed_on"),
        (module, TODAY + _days(1), None, "completed_on"),
        (module, None, None, "completed_on"),
    ]
    for chosen, completed_on, score, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.module_progress_record(
                enrolment=enrolment,
                module=chosen,
                completed_on=completed_on,
                quiz_score=score,
                by=caseworker,
                at=NOW,
            )
        assert field in refused.value.message_dict
    assert not ModuleProgress.objects.exists()


def test_a_module_without_quiz_recorded_complete_by_staff_is_passed(quiz, caseworker):
    module, _questions, enrolment, _link = quiz
    reading = ModuleFactory(course=module.course)

    progress = services.module_progress_record(
        enrolment=enrolment,
        module=reading,
        completed_on=TODAY,
        quiz_score=None,
        by=caseworker,
        at=NOW,
    )

    assert progress.passed is True


# --- Course links -------------------------------------------------------------------------------


def _all_text_in_the_database():
    """Every text column of the learning tables and the audit log, for looking for a token."""
    found = []
    with connection.cursor() as cursor:
        for model in (AccessLink, AuditEvent):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 (model name)
            found.extend(str(value) for row in cursor.fetchall() for value in row)
    return " ".join(found)


def test_a_link_stores_only_the_hash_of_its_token(caseworker):
    enrolment = CourseEnrolmentFactory()

    link, token = services.access_link_create(
        enrolment=enrolment, expires_on=TODAY + _days(30), by=caseworker, at=NOW
    )

    assert len(token) >= 40
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in _all_text_in_the_database()
    assert link.token_hash not in str(_events("access_link.created").get().changes)
    assert link_for_token(token=token, on=TODAY) == link


def test_a_link_works_until_its_expiry_date(caseworker):
    enrolment = CourseEnrolmentFactory()
    expiry = TODAY + _days(10)
    _link, token = services.access_link_create(
        enrolment=enrolment, expires_on=expiry, by=caseworker, at=NOW
    )

    assert link_for_token(token=token, on=expiry) is not None
    assert link_for_token(token=token, on=expiry + _days(1)) is None


def test_a_revoked_link_stops_at_once(caseworker):
    enrolment = CourseEnrolmentFactory()
    link, token = services.access_link_create(
        enrolment=enrolment, expires_on=TODAY + _days(10), by=caseworker, at=NOW
    )

    services.access_link_revoke(link=link, by=caseworker, at=NOW)

    assert link_for_token(token=token, on=TODAY) is None
    with pytest.raises(services.LinkAlreadyRevoked):
        services.access_link_revoke(link=link, by=caseworker, at=NOW)


def test_a_new_link_replaces_the_old_one(caseworker):
    enrolment = CourseEnrolmentFactory()
    _old, old_token = services.access_link_create(
        enrolment=enrolment, expires_on=TODAY + _days(10), by=caseworker, at=NOW
    )

    _new, new_token = services.access_link_create(
        enrolment=enrolment, expires_on=TODAY + _days(10), by=caseworker, at=NOW
    )

    assert link_for_token(token=old_token, on=TODAY) is None
    assert link_for_token(token=new_token, on=TODAY) is not None
    assert _events("access_link.replaced").count() == 1


def test_a_link_stops_when_the_person_withdraws(caseworker):
    enrolment = CourseEnrolmentFactory(enrolled_on=TODAY - _days(5))
    _link, token = services.access_link_create(
        enrolment=enrolment, expires_on=TODAY + _days(10), by=caseworker, at=NOW
    )

    services.course_withdraw(enrolment=enrolment, withdrawn_on=TODAY, by=caseworker, at=NOW)

    assert link_for_token(token=token, on=TODAY) is None
    with pytest.raises(services.EnrolmentWithdrawn):
        services.access_link_create(
            enrolment=enrolment, expires_on=TODAY + _days(10), by=caseworker, at=NOW
        )


@pytest.mark.parametrize(("days", "valid"), [(-1, False), (0, True), (366, True), (367, False)])
def test_a_link_expires_within_a_year(caseworker, days, valid):
    enrolment = CourseEnrolmentFactory()

    def make():
        return services.access_link_create(
            enrolment=enrolment, expires_on=TODAY + _days(days), by=caseworker, at=NOW
        )

    if valid:
        assert make()
    else:
        with pytest.raises(ValidationError) as refused:
            make()
        assert "expires_on" in refused.value.message_dict
        assert not AccessLink.objects.exists()


@pytest.mark.parametrize("token", ["", "x" * 43, "a" * 500])
def test_unknown_tokens_open_nothing(caseworker, token):
    enrolment = CourseEnrolmentFactory()
    services.access_link_create(
        enrolment=enrolment, expires_on=TODAY + _days(10), by=caseworker, at=NOW
    )

    assert link_for_token(token=token, on=TODAY) is None
