"""The reads other apps use: who completed which courses, in bulk, and training counts."""

import datetime

import pytest

from arraigo.accounts.models import Role
from arraigo.learning import selectors
from arraigo.learning.selectors import (
    completed_courses,
    completion,
    completion_by_participant,
    has_completed,
    training_counts,
)
from arraigo.learning.tests.conftest import NOW
from arraigo.learning.tests.factories import (
    AttendanceFactory,
    CourseEnrolmentFactory,
    CourseFactory,
    ModuleFactory,
    ModuleProgressFactory,
    SessionFactory,
)
from arraigo.people.models import Participant
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def _held(course, count):
    return [
        SessionFactory(course=course, starts_at=NOW - datetime.timedelta(days=n + 1))
        for n in range(count)
    ]


@pytest.fixture
def courses(programme):
    """An attendance course (4 sessions held, one cancelled, one coming) and a module course."""
    workshop = CourseFactory(programme=programme, code="EMP", min_attendance_percent=75)
    sessions = _held(workshop, 4)
    SessionFactory(course=workshop, starts_at=NOW - datetime.timedelta(days=9), is_cancelled=True)
    SessionFactory(course=workshop, starts_at=NOW + datetime.timedelta(days=3))
    virtual = CourseFactory(
        programme=programme, code="VIR", min_attendance_percent=None, requires_modules=True
    )
    modules = [ModuleFactory(course=virtual, order=n + 1) for n in range(2)]
    return workshop, sessions, virtual, modules


def _person(programme, *, workshop_sessions=0, modules_passed=0, courses, withdrawn=False):
    workshop, sessions, virtual, modules = courses
    participant = ParticipantFactory(organisation=programme.organisation)
    EnrolmentFactory(participant=participant, programme=programme)
    taking = CourseEnrolmentFactory(
        course=workshop,
        participant=participant,
        withdrawn_on=NOW.date() if withdrawn else None,
    )
    for session in sessions[:workshop_sessions]:
        AttendanceFactory(session=session, enrolment=taking)
    online = CourseEnrolmentFactory(course=virtual, participant=participant)
    for module in modules[:modules_passed]:
        ModuleProgressFactory(enrolment=online, module=module)
    return participant


def test_the_bulk_selector_agrees_with_the_completion_of_each_person(programme, courses):
    workshop, _sessions, virtual, _modules = courses
    both = _person(programme, workshop_sessions=3, modules_passed=2, courses=courses)
    workshop_only = _person(programme, workshop_sessions=4, modules_passed=1, courses=courses)
    virtual_only = _person(programme, workshop_sessions=2, modules_passed=2, courses=courses)
    neither = _person(programme, courses=courses)
    withdrew = _person(programme, workshop_sessions=4, courses=courses, withdrawn=True)

    found = completion_by_participant(
        courses=[workshop, virtual],
        participants=[both, workshop_only, virtual_only, neither, withdrew],
        at=NOW,
    )

    assert found == {
        both.pk: {workshop.pk, virtual.pk},
        workshop_only.pk: {workshop.pk},
        virtual_only.pk: {virtual.pk},
    }
    for person in (both, workshop_only, virtual_only, neither, withdrew):
        for course in (workshop, virtual):
            enrolment = person.course_enrolments.get(course=course)
            assert completion(enrolment, at=NOW).completed is (
                course.pk in found.get(person.pk, set())
            )


def test_courses_and_people_can_be_given_as_ids_or_a_queryset(programme, courses):
    workshop, _sessions, virtual, _modules = courses
    done = _person(programme, workshop_sessions=4, modules_passed=2, courses=courses)
    _person(programme, courses=courses)

    by_ids = completion_by_participant(
        courses=[workshop.pk, virtual.pk], participants=[done.pk], at=NOW
    )
    by_queryset = completion_by_participant(
        courses=[workshop, virtual], participants=Participant.objects.all(), at=NOW
    )

    assert by_ids == by_queryset == {done.pk: {workshop.pk, virtual.pk}}


def test_the_bulk_selector_reads_a_fixed_number_of_queries(
    programme, courses, django_assert_max_num_queries
):
    workshop, _sessions, virtual, _modules = courses
    few = [_person(programme, workshop_sessions=3, courses=courses) for _ in range(3)]
    many = few + [
        _person(programme, workshop_sessions=n % 5, modules_passed=n % 3, courses=courses)
        for n in range(27)
    ]
    extra = CourseFactory(programme=programme)

    with django_assert_max_num_queries(4):
        small = completion_by_participant(
            courses=[workshop, virtual, extra], participants=few, at=NOW
        )
    with django_assert_max_num_queries(4):
        large = completion_by_participant(
            courses=[workshop, virtual, extra], participants=many, at=NOW
        )
    with django_assert_max_num_queries(4):
        completion_by_participant(
            courses=[workshop, virtual], participants=Participant.objects.all(), at=NOW
        )

    assert len(small) == 3
    assert len(large) > len(small)


def test_long_lists_of_people_are_read_in_chunks(programme, courses, monkeypatch):
    workshop, _sessions, _virtual, _modules = courses
    people = [_person(programme, workshop_sessions=4, courses=courses) for _ in range(5)]
    monkeypatch.setattr(selectors, "_CHUNK", 2)

    found = completion_by_participant(courses=[workshop], participants=people, at=NOW)

    assert set(found) == {person.pk for person in people}


def test_nothing_asked_nothing_found(programme, courses):
    person = _person(programme, workshop_sessions=4, courses=courses)

    assert completion_by_participant(courses=[], participants=[person], at=NOW) == {}
    assert completion_by_participant(courses=[courses[0]], participants=[], at=NOW) == {}


def test_completed_courses_and_has_completed(programme, courses):
    workshop, _sessions, virtual, _modules = courses
    person = _person(programme, workshop_sessions=4, modules_passed=1, courses=courses)

    assert completed_courses(participant=person, courses=[workshop, virtual], at=NOW) == {
        workshop.pk
    }
    assert has_completed(participant=person, courses=[workshop], at=NOW) is True
    assert has_completed(participant=person, courses=[workshop, virtual], at=NOW) is False
    assert has_completed(participant=person.pk, courses=[virtual.pk], at=NOW) is False
    assert has_completed(participant=person, courses=[], at=NOW) is True


def test_a_course_the_person_never_took_is_not_completed(programme, courses):
    stranger = ParticipantFactory(organisation=programme.organisation)

    assert completed_courses(participant=stranger, courses=[courses[0]], at=NOW) == set()


def test_training_counts_count_people_once(programme, courses):
    _workshop, _sessions, virtual, _modules = courses
    _person(programme, workshop_sessions=4, modules_passed=2, courses=courses)
    _person(programme, workshop_sessions=3, courses=courses)
    _person(programme, workshop_sessions=1, courses=courses)
    _person(programme, workshop_sessions=4, courses=courses, withdrawn=True)

    counts = training_counts(programme=programme, at=NOW)

    # Four people take the virtual course; three are still in the workshop.
    assert (counts.enrolled, counts.completed) == (4, 2)
    by_code = {row.course.code: (row.enrolled, row.completed) for row in counts.courses}
    assert by_code == {"EMP": (3, 2), "VIR": (4, 1)}
    assert virtual.pk in {row.course.pk for row in counts.courses}


def test_training_counts_of_a_programme_without_courses(programme):
    counts = training_counts(programme=programme, at=NOW)

    assert (counts.enrolled, counts.completed, counts.courses) == (0, 0, [])


def test_enrolment_candidates(make_member, organisation, programme, courses):
    workshop = courses[0]
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    free = ParticipantFactory(organisation=organisation)
    EnrolmentFactory(participant=free, programme=programme)
    taking = CourseEnrolmentFactory(course=workshop).participant
    withdrew = CourseEnrolmentFactory(course=workshop, withdrawn_on=NOW.date()).participant
    ParticipantFactory(organisation=organisation)  # not in the programme

    candidates = set(selectors.enrolment_candidates(user=user, course=workshop))

    assert candidates == {free, withdrew}
    assert taking not in candidates


def test_the_participant_page_shows_only_courses_the_user_sees(
    make_member, organisation, other_organisation, programme, courses
):
    person = _person(programme, workshop_sessions=4, courses=courses)
    caseworker = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    stranger = make_member(Role.CASEWORKER, organisation=other_organisation)
    monitoring = make_member(Role.MONITORING, organisation=organisation, programmes=[programme])

    rows = selectors.participant_courses(user=caseworker, participant=person, at=NOW)

    assert {row.enrolment.course.code: row.completion.completed for row in rows} == {
        "EMP": True,
        "VIR": False,
    }
    assert selectors.participant_courses(user=stranger, participant=person) == []
    assert selectors.participant_courses(user=monitoring, participant=person) == []


def test_the_course_list_counts_people_sessions_and_modules(
    make_member, organisation, programme, courses
):
    _person(programme, courses=courses)
    _person(programme, courses=courses, withdrawn=True)
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])

    rows = {c.code: c for c in selectors.course_list(user=user)}

    assert (rows["EMP"].enrolled_count, rows["EMP"].session_count) == (1, 5)
    assert (rows["VIR"].enrolled_count, rows["VIR"].module_count) == (2, 2)
