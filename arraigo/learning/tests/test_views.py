"""The course pages at the request level: who gets them, attendance with and without htmx,
the participant's course link, bad input, nothing half-written, never a 500."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.learning import services
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
from arraigo.learning.tests.factories import (
    AttendanceFactory,
    CourseEnrolmentFactory,
    CourseFactory,
    ModuleFactory,
    QuizQuestionFactory,
    SessionFactory,
)
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STAFF = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL]
NOT_STAFF = [Role.EVALUATOR, Role.MONITORING, Role.PARTNER, Role.VIEWER]


def _now():
    return timezone.now()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def session(course):
    """A session held an hour ago."""
    return SessionFactory(course=course, starts_at=_now() - datetime.timedelta(hours=1))


@pytest.fixture
def people(course):
    return [
        CourseEnrolmentFactory(course=course, participant__given_names=name)
        for name in ("Ana María", "Brenda", "Carlos")
    ]


@pytest.fixture
def virtual(course):
    """Two modules of the course: one with a two-question quiz, one to read."""
    quiz = ModuleFactory(course=course, order=1, title="Tu idea", pass_mark=50)
    QuizQuestionFactory(module=quiz, order=1, correct_choice=0)
    QuizQuestionFactory(module=quiz, order=2, text="¿Qué es un cliente?", correct_choice=2)
    reading = ModuleFactory(course=course, order=2, title="Lectura", content="Solo leer.")
    return quiz, reading


def _link(enrolment, by, *, days=30):
    return services.access_link_create(
        enrolment=enrolment,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
        by=by,
        at=_now(),
    )


# --- Who gets which page ------------------------------------------------------------------------


def _staff_pages(course, session, enrolment, module):
    return [
        ("learning:list", []),
        ("learning:detail", [course.pk]),
        ("learning:session_new", [course.pk]),
        ("learning:attendance", [session.pk]),
        ("learning:enrol", [course.pk]),
        ("learning:enrolment", [course.pk, enrolment.pk]),
        ("learning:progress", [course.pk, enrolment.pk, module.pk]),
    ]


def _manager_pages(course, module):
    return [
        ("learning:new", []),
        ("learning:edit", [course.pk]),
        ("learning:modules", [course.pk]),
        ("learning:module_new", [course.pk]),
        ("learning:module_edit", [course.pk, module.pk]),
    ]


@pytest.mark.parametrize("role", STAFF)
def test_staff_of_the_programme_open_the_course_pages(
    role, as_user, make_member, organisation, programme, course, session, people, virtual
):
    user = make_member(role, organisation=organisation, programmes=[programme])
    client = as_user(user)

    for name, args in _staff_pages(course, session, people[0], virtual[0]):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    for name, args in _manager_pages(course, virtual[0]):
        expected = 200 if role in {Role.ADMIN, Role.MANAGER} else (404 if not args else 403)
        assert client.get(reverse(name, args=args)).status_code == expected, name


@pytest.mark.parametrize("role", NOT_STAFF)
def test_other_roles_get_404_everywhere(
    role, as_user, make_member, organisation, programme, course, session, people, virtual
):
    user = make_member(role, organisation=organisation, programmes=[programme])
    client = as_user(user)

    pages = [
        *_staff_pages(course, session, people[0], virtual[0]),
        *_manager_pages(course, virtual[0]),
    ]
    for name, args in pages:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    response = client.post(
        reverse("learning:attendance_mark", args=[session.pk, people[0].pk]),
        {f"p-{people[0].pk}": "on"},
        **HTMX,
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("role", STAFF)
def test_another_organisations_course_answers_404(
    role, as_user, make_member, other_organisation, course, session, people, virtual
):
    theirs = ProgrammeFactory(organisation=other_organisation)
    user = make_member(role, organisation=other_organisation, programmes=[theirs])
    client = as_user(user)

    for name, args in _staff_pages(course, session, people[0], virtual[0])[1:]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert course.title not in client.get(reverse("learning:list")).text


def test_anonymous_visitors_are_sent_to_sign_in(client, course):
    response = client.get(reverse("learning:detail", args=[course.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_list_groups_the_users_courses_by_programme(as_user, caseworker, course, organisation):
    CourseFactory(programme=ProgrammeFactory(organisation=organisation), title="Ajeno")

    response = as_user(caseworker).get(reverse("learning:list"))

    assert course.title in response.text
    assert course.programme.name in response.text
    assert "Ajeno" not in response.text
    assert ">New course<" not in response.text.replace("</i> ", ">")


def test_the_nav_has_courses_for_staff(as_user, caseworker, make_member, organisation, programme):
    response = as_user(caseworker).get(reverse("learning:list"))
    assert f'href="{reverse("learning:list")}"' in response.text
    items = {str(item.label): item.active for item in response.context["nav_items"]}
    assert items["Courses"] is True


# --- Courses and sessions -----------------------------------------------------------------------


def test_a_manager_creates_a_course(as_user, manager, programme):
    response = as_user(manager).post(
        reverse("learning:new"),
        {
            "programme": programme.pk,
            "code": "fin-1",
            "title": "Educación financiera",
            "kind": "FINANCIAL_LITERACY",
            "delivery": "IN_PERSON",
            "min_attendance_percent": "80",
            "is_active": "on",
        },
    )

    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:detail", args=[course.pk])
    assert course.code == "FIN-1"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"min_attendance_percent": ""}, "min_attendance_percent"),
        ({"min_attendance_percent": "120"}, "min_attendance_percent"),
        ({"kind": "DANCE"}, "kind"),
        ({"code": ""}, "code"),
        ({"programme": "not-a-uuid"}, "programme"),
    ],
)
def test_bad_course_input_shows_at_the_field(as_user, manager, programme, data, field):
    posted = {
        "programme": programme.pk,
        "code": "X",
        "title": "T",
        "kind": "OTHER",
        "delivery": "IN_PERSON",
        "min_attendance_percent": "80",
        **data,
    }

    response = as_user(manager).post(reverse("learning:new"), posted)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'aria-invalid="true"' in response.text
    assert not Course.objects.exists()


def test_a_course_of_another_organisations_programme_cannot_be_created(
    as_user, manager, other_organisation
):
    theirs = ProgrammeFactory(organisation=other_organisation)

    response = as_user(manager).post(
        reverse("learning:new"),
        {
            "programme": theirs.pk,
            "code": "X",
            "title": "T",
            "kind": "OTHER",
            "delivery": "IN_PERSON",
            "min_attendance_percent": "80",
        },
    )

    assert response.context["form"].errors["programme"]
    assert not Course.objects.exists()


def test_a_session_is_added_and_bad_times_are_refused(as_user, caseworker, course):
    client = as_user(caseworker)
    url = reverse("learning:session_new", args=[course.pk])
    base = {"day": "2026-05-04", "starts": "09:00", "place": "Alcaldía"}

    wrong = client.post(url, {**base, "ends": "08:00"})
    assert wrong.context["form"].errors["ends"] == ["The session must end after it starts."]
    assert not Session.objects.exists()
    both = client.post(
        url, {**base, "facilitator": caseworker.pk, "facilitator_name": "Lic. Rivas"}
    )
    assert both.context["form"].errors["facilitator_name"]
    done = client.post(url, {**base, "ends": "11:30", "facilitator": caseworker.pk})
    assert done.status_code == 302
    session = Session.objects.get()
    assert timezone.localtime(session.starts_at).hour == 9
    assert session.facilitator == caseworker


def test_a_session_ending_before_it_starts_shows_the_error(as_user, caseworker, course):
    response = as_user(caseworker).post(
        reverse("learning:session_new", args=[course.pk]),
        {"day": "2026-05-04", "starts": "09:00", "ends": "08:00"},
    )

    assert response.status_code == 200
    assert "The session must end after it starts." in response.text
    assert not Session.objects.exists()


def test_a_session_is_cancelled_and_stops_counting(as_user, caseworker, course, session, people):
    response = as_user(caseworker).post(
        reverse("learning:session_cancel", args=[course.pk, session.pk])
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled
    page = as_user(caseworker).get(reverse("learning:attendance", args=[session.pk]))
    assert "no attendance is taken" in page.text
    assert "disabled" in page.text


# --- Attendance on a phone ----------------------------------------------------------------------


def test_the_attendance_sheet_lists_the_people_enrolled(as_user, caseworker, session, people):
    withdrawn = CourseEnrolmentFactory(
        course=session.course, withdrawn_on=timezone.localdate(), participant__given_names="Zoe"
    )

    response = as_user(caseworker).get(reverse("learning:attendance", args=[session.pk]))

    text = response.text
    names = [p.participant.full_name for p in people]
    assert [row.enrolment.participant.full_name for row in response.context["rows"]] == names
    assert withdrawn.participant.full_name not in text
    for enrolment in people:
        mark = reverse("learning:attendance_mark", args=[session.pk, enrolment.pk])
        assert f'hx-post="{mark}"' in text
        assert f'hx-params="p-{enrolment.pk}"' in text
        assert f'name="p-{enrolment.pk}"' in text
    # The same boxes are a plain form with one button, for phones without JavaScript.
    assert f'action="{reverse("learning:attendance", args=[session.pk])}"' in text
    assert "Save attendance" in text


def test_one_tap_with_htmx_saves_one_person_with_a_tiny_answer(
    as_user, caseworker, session, people
):
    ana, brenda, _carlos = people
    client = as_user(caseworker)
    url = reverse("learning:attendance_mark", args=[session.pk, ana.pk])

    response = client.post(url, {f"p-{ana.pk}": "on"}, **HTMX)

    assert response.status_code == 200
    assert len(response.content) < 600
    assert "Present" in response.text
    assert '<span id="present-count" hx-swap-oob="true">1</span>' in response.text
    assert brenda.participant.full_name not in response.text
    assert "<html" not in response.text
    assert Attendance.objects.get().present is True


def test_tapping_again_marks_absent_and_never_duplicates(as_user, caseworker, session, people):
    ana = people[0]
    client = as_user(caseworker)
    url = reverse("learning:attendance_mark", args=[session.pk, ana.pk])

    client.post(url, {f"p-{ana.pk}": "on"}, **HTMX)
    client.post(url, {f"p-{ana.pk}": "on"}, **HTMX)  # the same tap sent twice on 2G
    response = client.post(url, {}, **HTMX)

    assert "Absent" in response.text
    assert '<span id="present-count" hx-swap-oob="true">0</span>' in response.text
    assert list(Attendance.objects.values_list("present", flat=True)) == [False]


def test_a_refused_tap_says_why_and_puts_the_box_back(as_user, caseworker, session, people):
    ana = people[0]
    Session.objects.filter(pk=session.pk).update(is_cancelled=True)

    response = as_user(caseworker).post(
        reverse("learning:attendance_mark", args=[session.pk, ana.pk]),
        {f"p-{ana.pk}": "on"},
        **HTMX,
    )

    assert response.status_code == 200
    assert "cancelled" in response.text
    assert f'id="p-{ana.pk}"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert " checked" not in response.text
    assert not Attendance.objects.exists()


def test_a_tap_without_htmx_goes_back_to_the_sheet(as_user, caseworker, session, people):
    ana = people[0]

    response = as_user(caseworker).post(
        reverse("learning:attendance_mark", args=[session.pk, ana.pk]), {f"p-{ana.pk}": "on"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#row-{ana.pk}")
    assert Attendance.objects.get().present is True


def test_the_sheet_without_javascript_saves_everyone_at_once(as_user, caseworker, session, people):
    ana, brenda, carlos = people
    AttendanceFactory(session=session, enrolment=carlos, present=True)
    client = as_user(caseworker)

    response = client.post(
        reverse("learning:attendance", args=[session.pk]),
        {"shown": [ana.pk, brenda.pk, carlos.pk], f"p-{ana.pk}": "on", f"p-{brenda.pk}": "on"},
        follow=True,
    )

    assert "Attendance saved: 2 of 3 present." in response.text
    saved = dict(Attendance.objects.values_list("enrolment_id", "present"))
    assert saved == {ana.pk: True, brenda.pk: True, carlos.pk: False}
    assert Attendance.objects.count() == 3


def test_the_sheet_sent_twice_changes_nothing_more(as_user, caseworker, session, people):
    client = as_user(caseworker)
    data = {"shown": [p.pk for p in people], f"p-{people[0].pk}": "on"}

    client.post(reverse("learning:attendance", args=[session.pk]), data)
    client.post(reverse("learning:attendance", args=[session.pk]), data)

    assert Attendance.objects.count() == 3
    assert Attendance.objects.filter(present=True).count() == 1


def test_the_sheet_ignores_people_it_did_not_show_and_garbage(as_user, caseworker, session, people):
    elsewhere = CourseEnrolmentFactory(course=CourseFactory(programme=session.course.programme))

    response = as_user(caseworker).post(
        reverse("learning:attendance", args=[session.pk]),
        {"shown": ["nonsense", str(elsewhere.pk), str(people[0].pk)], f"p-{people[0].pk}": "on"},
    )

    assert response.status_code == 302
    assert list(Attendance.objects.values_list("enrolment_id", flat=True)) == [people[0].pk]


def test_attendance_of_a_future_session_is_not_taken(as_user, caseworker, course, people):
    coming = SessionFactory(course=course, starts_at=_now() + datetime.timedelta(days=2))
    client = as_user(caseworker)

    page = client.get(reverse("learning:attendance", args=[coming.pk]))
    posted = client.post(
        reverse("learning:attendance", args=[coming.pk]),
        {"shown": [people[0].pk], f"p-{people[0].pk}": "on"},
        follow=True,
    )

    assert "Attendance is taken on the day of the session" in page.text
    assert "Save attendance" not in page.text
    assert "Attendance is taken on the day of the session" in posted.text
    assert not Attendance.objects.exists()


def test_a_tap_for_someone_of_another_course_answers_404(as_user, caseworker, session):
    elsewhere = CourseEnrolmentFactory(course=CourseFactory(programme=session.course.programme))

    response = as_user(caseworker).post(
        reverse("learning:attendance_mark", args=[session.pk, elsewhere.pk]),
        {f"p-{elsewhere.pk}": "on"},
        **HTMX,
    )

    assert response.status_code == 404
    assert not Attendance.objects.exists()


# --- Enrolment ----------------------------------------------------------------------------------


def _in_programme(course, **fields):
    participant = ParticipantFactory(organisation=course.organisation, **fields)
    EnrolmentFactory(participant=participant, programme=course.programme)
    return participant


def test_the_enrol_page_lists_people_of_the_programme_not_yet_enrolled(
    as_user, caseworker, course, people
):
    free = _in_programme(course, given_names="Dolores")
    outside = ParticipantFactory(organisation=course.organisation, given_names="Ernesto")

    response = as_user(caseworker).get(reverse("learning:enrol", args=[course.pk]))

    assert free.full_name in response.text
    assert outside.full_name not in response.text
    assert people[0].participant.full_name not in response.text


def test_a_search_for_people_keeps_the_name_out_of_the_url(as_user, caseworker, course):
    wanted = _in_programme(course, given_names="Dolores", first_surname="Quintanilla")
    _in_programme(course, given_names="Ernesto", first_surname="Zelaya")
    client = as_user(caseworker)

    response = client.post(
        reverse("learning:enrol", args=[course.pk]), {"search": "1", "q": "quintanilla"}
    )

    assert response.status_code == 302
    assert "quintanilla" not in response["Location"].lower()
    page = client.get(response["Location"])
    assert [p.pk for p in page.context["people"]] == [wanted.pk]


def test_people_are_enrolled_from_the_list(as_user, caseworker, course):
    first, second = _in_programme(course), _in_programme(course)

    response = as_user(caseworker).post(
        reverse("learning:enrol", args=[course.pk]),
        {"participants": [first.pk, second.pk], "enrolled_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    assert set(course.enrolments.values_list("participant_id", flat=True)) == {
        first.pk,
        second.pk,
    }


@pytest.mark.parametrize("chosen", ["outside", "nonsense", "none"])
def test_enrolling_someone_not_listed_is_refused_at_the_field(as_user, caseworker, course, chosen):
    fine = _in_programme(course)
    outside = ParticipantFactory(organisation=course.organisation)
    values = {
        "outside": [fine.pk, outside.pk],
        "nonsense": [fine.pk, "not-a-uuid"],
        "none": [],
    }[chosen]

    response = as_user(caseworker).post(
        reverse("learning:enrol", args=[course.pk]),
        {"participants": values, "enrolled_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["participants"]
    assert not CourseEnrolment.objects.exists()


def test_a_person_withdraws(as_user, caseworker, course, people):
    enrolment = people[0]
    client = as_user(caseworker)
    url = reverse("learning:withdraw", args=[course.pk, enrolment.pk])

    future = client.post(url, {"withdrawn_on": "2999-01-01"})
    assert future.status_code == 400
    assert future.context["withdraw_form"].errors["withdrawn_on"]
    done = client.post(url, {"withdrawn_on": timezone.localdate().isoformat()})
    assert done.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.withdrawn_on == timezone.localdate()


def test_the_persons_page_shows_attendance_and_completion(
    as_user, caseworker, course, session, people
):
    AttendanceFactory(session=session, enrolment=people[0], present=True)

    response = as_user(caseworker).get(
        reverse("learning:enrolment", args=[course.pk, people[0].pk])
    )

    assert response.context["completion"].completed is True
    assert "Completed" in response.text
    assert people[1].participant.full_name not in response.text


def test_staff_record_module_progress(as_user, caseworker, course, people, virtual):
    quiz, _reading = virtual
    client = as_user(caseworker)
    url = reverse("learning:progress", args=[course.pk, people[0].pk, quiz.pk])

    bad = client.post(url, {"completed_on": "", "quiz_score": "80"})
    assert bad.context["form"].errors["completed_on"]
    too_high = client.post(
        url, {"completed_on": timezone.localdate().isoformat(), "quiz_score": "101"}
    )
    assert too_high.context["form"].errors["quiz_score"]
    assert not ModuleProgress.objects.exists()
    done = client.post(url, {"completed_on": timezone.localdate().isoformat(), "quiz_score": "80"})
    assert done.status_code == 302
    progress = ModuleProgress.objects.get()
    assert (progress.passed, progress.recorded_by) == (True, caseworker)


# --- Modules editor -----------------------------------------------------------------------------


def test_a_manager_writes_a_module_and_its_quiz(as_user, manager, course):
    client = as_user(manager)

    created = client.post(
        reverse("learning:module_new", args=[course.pk]),
        {
            "order": "1",
            "title": "Tu idea",
            "content": "<script>x</script> **clave**",
            "pass_mark": "70",
        },
    )
    module = Module.objects.get()
    assert created.status_code == 302
    added = client.post(
        reverse("learning:question_new", args=[course.pk, module.pk]),
        {"order": "1", "text": "¿Qué es?", "choices": "Uno\nDos\nTres", "correct_choice": "2"},
    )
    assert added.status_code == 302
    assert QuizQuestion.objects.get().correct_choice == 1
    page = client.get(reverse("learning:module_edit", args=[course.pk, module.pk]))
    assert "&lt;script&gt;" in page.text
    assert "<script>x" not in page.text
    assert "<strong>clave</strong>" in page.text


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"choices": "Solo una"}, "choices"),
        ({"correct_choice": "4"}, "correct_choice"),
        ({"correct_choice": "0"}, "correct_choice"),
        ({"order": "x"}, "order"),
    ],
)
def test_bad_questions_are_refused_at_the_field(as_user, manager, course, data, field):
    module = ModuleFactory(course=course)
    posted = {"order": "1", "text": "¿?", "choices": "Sí\nNo\nTal vez", "correct_choice": "1"}

    response = as_user(manager).post(
        reverse("learning:question_new", args=[course.pk, module.pk]), {**posted, **data}
    )

    assert response.status_code == 400
    assert response.context["question_form"].errors[field]
    assert not QuizQuestion.objects.exists()


def test_a_module_position_taken_is_refused(as_user, manager, course):
    ModuleFactory(course=course, order=1)

    response = as_user(manager).post(
        reverse("learning:module_new", args=[course.pk]),
        {"order": "1", "title": "Otro", "pass_mark": "70"},
    )

    assert response.context["form"].errors["order"]
    assert Module.objects.count() == 1


def test_caseworkers_do_not_edit_modules(as_user, caseworker, course, virtual):
    response = as_user(caseworker).post(
        reverse("learning:module_edit", args=[course.pk, virtual[0].pk]),
        {"order": "1", "title": "Cambiado", "pass_mark": "70"},
    )

    assert response.status_code == 403
    virtual[0].refresh_from_db()
    assert virtual[0].title == "Tu idea"


# --- The participant's course link --------------------------------------------------------------


def test_a_link_is_shown_once_and_only_its_hash_kept(as_user, caseworker, course, people, virtual):
    response = as_user(caseworker).post(
        reverse("learning:link_create", args=[course.pk, people[0].pk]),
        {"expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()},
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    url = re.search(r'value="(http://testserver/learn/[^"]+/)"', response.text).group(1)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert not AccessLink.objects.filter(token_hash=token).exists()
    page = as_user(caseworker).get(reverse("learning:enrolment", args=[course.pk, people[0].pk]))
    assert token not in page.text


def test_a_link_with_a_bad_expiry_is_refused(as_user, caseworker, course, people, virtual):
    response = as_user(caseworker).post(
        reverse("learning:link_create", args=[course.pk, people[0].pk]),
        {"expires_on": "1999-01-01"},
    )

    assert response.status_code == 400
    assert response.context["link_form"].errors["expires_on"]
    assert not AccessLink.objects.exists()


def test_the_link_page_opens_without_signing_in_and_shows_only_the_course(
    client, caseworker, course, people, virtual
):
    ana = people[0]
    ana.participant.first_surname = "Quintanilla"
    ana.participant.save()
    _link_row, token = _link(ana, caseworker)

    response = client.get(reverse("learn:home", args=[token]))

    text = response.text
    assert response.status_code == 200
    assert "Hello, Ana" in text
    assert "Quintanilla" not in text
    assert ana.participant.reference not in text
    assert "María" not in text  # only the first of the given names
    for other in people[1:]:
        assert other.participant.given_names not in text
    assert "Tu idea" in text
    assert "Lectura" in text
    links = set(re.findall(r'href="([^"]+)"', text))
    assert all(href.startswith(("/static/", f"/learn/{token}/", "#")) for href in links), links
    assert response["Cache-Control"] == "no-store, private"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.parametrize("state", ["expired", "revoked", "withdrawn", "unknown"])
def test_a_link_no_longer_valid_gets_a_plain_page(client, caseworker, course, people, state):
    ana = people[0]
    link, token = _link(ana, caseworker)
    if state == "expired":
        AccessLink.objects.filter(pk=link.pk).update(
            expires_on=timezone.localdate() - datetime.timedelta(days=1)
        )
    elif state == "revoked":
        services.access_link_revoke(link=link, by=caseworker, at=_now())
    elif state == "withdrawn":
        CourseEnrolment.objects.filter(pk=ana.pk).update(withdrawn_on=timezone.localdate())
    else:
        token = token[:-4] + "AAAA"

    response = client.get(reverse("learn:home", args=[token]))

    assert response.status_code == 404
    assert "This link is no longer valid" in response.text
    assert course.title not in response.text
    assert "Ana" not in response.text
    assert not re.findall(r'href="/(?!static/)', response.text)


def test_a_module_of_another_course_through_a_link_gets_the_plain_page(
    client, caseworker, course, people
):
    _row, token = _link(people[0], caseworker)
    elsewhere = ModuleFactory()

    response = client.get(reverse("learn:module", args=[token, elsewhere.pk]))

    assert response.status_code == 404
    assert "This link is no longer valid" in response.text
    assert elsewhere.title not in response.text


def test_the_quiz_through_the_link_is_scored_on_the_server(
    client, caseworker, course, people, virtual
):
    quiz, _reading = virtual
    first, second = quiz.questions.order_by("order")
    _row, token = _link(people[0], caseworker)
    url = reverse("learn:module", args=[token, quiz.pk])

    page = client.get(url)
    assert "El alquiler del local" in page.text
    assert "correct" not in page.text.lower()
    missing = client.post(url, {str(first.pk): "0"})
    assert missing.status_code == 400
    assert "Choose an answer." in missing.text
    assert not ModuleProgress.objects.exists()
    answered = client.post(url, {str(first.pk): "0", str(second.pk): "1"})

    assert answered.status_code == 200
    assert "1 of 2 right: 50 %." in answered.text
    assert "You passed this module" in answered.text
    progress = ModuleProgress.objects.get()
    assert (progress.quiz_score, progress.passed, progress.recorded_by) == (50, True, None)


def test_a_forged_answer_is_refused_at_the_question(client, caseworker, course, people, virtual):
    quiz, _reading = virtual
    first, second = quiz.questions.order_by("order")
    _row, token = _link(people[0], caseworker)

    response = client.post(
        reverse("learn:module", args=[token, quiz.pk]),
        {str(first.pk): "9", str(second.pk): "nonsense"},
    )

    assert response.status_code == 400
    assert not ModuleProgress.objects.exists()


def test_quiz_attempts_through_the_link_are_limited(client, caseworker, course, people, virtual):
    quiz, _reading = virtual
    first, second = quiz.questions.order_by("order")
    _row, token = _link(people[0], caseworker)
    url = reverse("learn:module", args=[token, quiz.pk])
    answers = {str(first.pk): "1", str(second.pk): "1"}

    for _attempt in range(services.QUIZ_ATTEMPTS_PER_HOUR):
        assert client.post(url, answers).status_code == 200
    response = client.post(url, answers)

    assert response.status_code == 400
    assert "come back later" in response.text


def test_a_module_without_quiz_is_marked_read(client, caseworker, course, people, virtual):
    _quiz, reading = virtual
    _row, token = _link(people[0], caseworker)

    response = client.post(reverse("learn:module_read", args=[token, reading.pk]), follow=True)

    assert "Module completed" in response.text
    assert ModuleProgress.objects.get().passed is True
    again = client.post(reverse("learn:module_read", args=[token, reading.pk]), follow=True)
    assert "You already completed this module." in again.text


# --- The participant page and the templates -----------------------------------------------------


def test_the_participant_page_shows_the_persons_courses(as_user, caseworker, course, people):
    response = as_user(caseworker).get(reverse("people:detail", args=[people[0].participant_id]))

    assert response.status_code == 200
    assert 'id="h-courses"' in response.text
    assert course.title in response.text
    assert reverse("learning:enrolment", args=[course.pk, people[0].pk]) in response.text


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("learning:detail", ["00000000-0000-0000-0000-000000000000"]),
        ("learning:attendance", ["00000000-0000-0000-0000-000000000000"]),
    ],
)
def test_missing_records_answer_404_not_500(as_user, caseworker, name, args):
    assert as_user(caseworker).get(reverse(name, args=args)).status_code == 404


def test_the_list_with_a_forged_programme_answers_404(as_user, caseworker):
    response = as_user(caseworker).get(reverse("learning:list") + "?programme=nonsense")

    assert response.status_code == 404


def test_no_inline_script_or_style_in_the_templates():
    offenders = [
        path.name
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"<script|<style|\sstyle=|\son[a-z]+=", path.read_text())
    ]
    assert offenders == []


GARBAGE = {
    "programme": "zzz",
    "code": "x" * 500,
    "title": "\x00",
    "kind": "NOPE",
    "min_attendance_percent": "-5",
    "day": "2026-02-31",
    "starts": "25:99",
    "ends": "x",
    "facilitator": "not-a-uuid",
    "participants": ["x", "00000000-0000-0000-0000-000000000000"],
    "enrolled_on": "nope",
    "withdrawn_on": "1-1-1",
    "expires_on": "99999-01-01",
    "completed_on": "x",
    "quiz_score": "1e9",
    "order": "-1",
    "pass_mark": "abc",
    "choices": "",
    "correct_choice": "x",
    "shown": ["…", "00000000-0000-0000-0000-000000000000"],
    "q": "a" * 1000,
}


def test_garbage_posted_anywhere_is_never_a_500_nor_half_written(
    as_user, manager, course, session, people, virtual
):
    quiz, _reading = virtual
    question = quiz.questions.first()
    enrolment = people[0]
    link, token = _link(enrolment, manager)
    client = as_user(manager)
    urls = [
        reverse("learning:new"),
        reverse("learning:edit", args=[course.pk]),
        reverse("learning:session_new", args=[course.pk]),
        reverse("learning:session_edit", args=[course.pk, session.pk]),
        reverse("learning:attendance", args=[session.pk]),
        reverse("learning:enrol", args=[course.pk]),
        reverse("learning:withdraw", args=[course.pk, enrolment.pk]),
        reverse("learning:link_create", args=[course.pk, enrolment.pk]),
        reverse("learning:progress", args=[course.pk, enrolment.pk, quiz.pk]),
        reverse("learning:module_new", args=[course.pk]),
        reverse("learning:module_edit", args=[course.pk, quiz.pk]),
        reverse("learning:question_new", args=[course.pk, quiz.pk]),
        reverse("learning:question_edit", args=[course.pk, quiz.pk, question.pk]),
        reverse("learn:module", args=[token, quiz.pk]),
    ]
    counts = {
        model: model.objects.count()
        for model in (
            Course,
            Session,
            CourseEnrolment,
            Attendance,
            Module,
            QuizQuestion,
            ModuleProgress,
        )
    }

    for url in urls:
        for data in (GARBAGE, {}):
            response = client.post(url, data)
            assert response.status_code < 500, url
            assert response.status_code != 302 or url.endswith("/attendance/"), url

    assert counts == {model: model.objects.count() for model in counts}
    assert AccessLink.objects.filter(pk=link.pk, revoked_at__isnull=True).exists()
