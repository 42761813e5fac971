"""Who sees and runs which courses: role × action × own/other organisation × programme."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from arraigo.accounts.models import Role
from arraigo.learning.permissions import (
    access_course,
    access_enrolment,
    access_session,
    may,
    programmes_for_new_courses,
    visible_courses,
)
from arraigo.learning.tests.factories import CourseEnrolmentFactory, CourseFactory, SessionFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role)
COURSE_STAFF = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL]
NO_COURSES = [Role.EVALUATOR, Role.MONITORING, Role.PARTNER, Role.VIEWER]
ACTIONS = ["view", "run", "configure"]

# What each staff role may do to a course it sees: True allowed, False 403.
ALLOWED = {
    Role.ADMIN: {"view": True, "run": True, "configure": True},
    Role.MANAGER: {"view": True, "run": True, "configure": True},
    Role.CASEWORKER: {"view": True, "run": True, "configure": False},
    Role.PSYCHOSOCIAL: {"view": True, "run": True, "configure": False},
}


@pytest.fixture
def session(course):
    return SessionFactory(course=course)


@pytest.fixture
def enrolment(course):
    return CourseEnrolmentFactory(course=course)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", COURSE_STAFF)
def test_staff_of_the_programme(role, action, make_member, organisation, programme, course):
    user = make_member(role, organisation=organisation, programmes=[programme])

    if ALLOWED[role][action]:
        assert access_course(user=user, pk=course.pk, action=action) == course
    else:
        with pytest.raises(PermissionDenied):
            access_course(user=user, pk=course.pk, action=action)
    assert may(user, action) is ALLOWED[role][action]


@pytest.mark.parametrize("role", COURSE_STAFF)
def test_staff_of_the_programme_run_its_sessions_and_people(
    role, make_member, organisation, programme, course, session, enrolment
):
    user = make_member(role, organisation=organisation, programmes=[programme])

    assert access_session(user=user, pk=session.pk) == session
    assert access_enrolment(user=user, course=course, pk=enrolment.pk) == enrolment


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", NO_COURSES)
def test_other_roles_see_no_course(
    role, action, make_member, organisation, programme, course, session, enrolment
):
    user = make_member(role, organisation=organisation, programmes=[programme])

    assert not visible_courses(user).exists()
    with pytest.raises(Http404):
        access_course(user=user, pk=course.pk, action=action)
    with pytest.raises(Http404):
        access_session(user=user, pk=session.pk, action=action)
    with pytest.raises(Http404):
        access_enrolment(user=user, course=course, pk=enrolment.pk, action=action)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_another_organisations_course_answers_404(
    role, action, make_member, other_organisation, course, session
):
    their_programme = ProgrammeFactory(organisation=other_organisation)
    user = make_member(role, organisation=other_organisation, programmes=[their_programme])

    assert not visible_courses(user).filter(pk=course.pk).exists()
    with pytest.raises(Http404):
        access_course(user=user, pk=course.pk, action=action)
    with pytest.raises(Http404):
        access_session(user=user, pk=session.pk, action=action)


@pytest.mark.parametrize("role", COURSE_STAFF)
def test_a_partner_organisation_of_the_programme_sees_none_of_the_leads_courses(
    role, make_member, other_organisation, programme, course
):
    programme.partners.add(other_organisation)
    user = make_member(role, organisation=other_organisation, programmes=[programme])
    theirs = CourseFactory(programme=programme, organisation=other_organisation)

    assert list(visible_courses(user)) == [theirs]
    with pytest.raises(Http404):
        access_course(user=user, pk=course.pk)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL])
def test_a_programme_the_user_is_not_in_answers_404(
    role, action, make_member, organisation, course, session
):
    elsewhere = ProgrammeFactory(organisation=organisation)
    user = make_member(role, organisation=organisation, programmes=[elsewhere])

    with pytest.raises(Http404):
        access_course(user=user, pk=course.pk, action=action)
    with pytest.raises(Http404):
        access_session(user=user, pk=session.pk, action=action)


def test_an_admin_sees_every_course_of_its_organisation(make_member, organisation, course):
    admin = make_member(Role.ADMIN, organisation=organisation)
    other = CourseFactory(programme=ProgrammeFactory(organisation=organisation))

    assert set(visible_courses(admin)) == {course, other}


def test_a_caseworker_sees_only_its_programmes(make_member, organisation, programme, course):
    CourseFactory(programme=ProgrammeFactory(organisation=organisation))
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])

    assert list(visible_courses(user)) == [course]


def test_an_enrolment_of_another_course_answers_404(make_member, organisation, programme, course):
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    elsewhere = CourseEnrolmentFactory(course=CourseFactory(programme=programme))

    with pytest.raises(Http404):
        access_enrolment(user=user, course=course, pk=elsewhere.pk)


def test_deactivated_users_and_organisations_see_nothing(
    make_member, organisation, programme, course
):
    user = make_member(Role.MANAGER, organisation=organisation, programmes=[programme])
    user.is_active = False
    user.save()
    admin = make_member(Role.ADMIN, organisation=organisation)

    with pytest.raises(Http404):
        access_course(user=user, pk=course.pk)
    organisation.is_active = False
    organisation.save()
    assert not visible_courses(admin).exists()


@pytest.mark.parametrize("pk", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
def test_malformed_or_missing_ids_answer_404(make_member, organisation, programme, pk):
    user = make_member(Role.ADMIN, organisation=organisation, programmes=[programme])

    with pytest.raises(Http404):
        access_course(user=user, pk=pk)
    with pytest.raises(Http404):
        access_session(user=user, pk=pk)


def test_an_unknown_action_is_a_programming_error(make_member, organisation, programme, course):
    user = make_member(Role.ADMIN, organisation=organisation, programmes=[programme])

    with pytest.raises(ValueError, match="Unknown course action"):
        access_course(user=user, pk=course.pk, action="delete")


@pytest.mark.parametrize(
    ("role", "creates"),
    [(role, role in {Role.ADMIN, Role.MANAGER}) for role in ALL_ROLES],
)
def test_who_creates_courses_and_where(role, creates, make_member, organisation, programme):
    ProgrammeFactory(organisation=organisation)  # not assigned
    user = make_member(role, organisation=organisation, programmes=[programme])

    programmes = set(programmes_for_new_courses(user))

    if not creates:
        assert programmes == set()
    elif role == Role.ADMIN:
        assert len(programmes) == 2
    else:
        assert programmes == {programme}
