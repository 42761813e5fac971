"""The case pages at the request level: who gets them, htmx partials, bad input, no 500."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.cases.models import (
    Case,
    CaseNote,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
    VulnerabilityCriterion,
    VulnerabilityScreening,
)
from arraigo.cases.selectors import programme_criteria
from arraigo.cases.services import vulnerability_criteria_ensure_defaults
from arraigo.cases.tests.factories import (
    CaseFactory,
    CaseNoteFactory,
    NeedsAssessmentFactory,
    PlanActionFactory,
    PlanGoalFactory,
)
from arraigo.core.models import AuditEvent
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _today():
    return timezone.localdate()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _detail(case):
    return reverse("cases:detail", args=[case.pk])


# --- My work ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL])
def test_my_work_opens_for_case_staff(role, as_user, make_member, organisation, programme):
    user = make_member(role, organisation=organisation, programmes=[programme])

    response = as_user(user).get(reverse("cases:my_work"))

    assert response.status_code == 200
    assert "Plan actions due" in response.text
    assert "Referrals awaiting the provider" in response.text  # the referrals include
    assert ("Cases in my programmes" in response.text) is (role in {Role.ADMIN, Role.MANAGER})


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.MONITORING, Role.PARTNER, Role.VIEWER])
def test_my_work_is_not_for_other_roles(role, as_user, make_member, organisation, programme):
    user = make_member(role, organisation=organisation, programmes=[programme])

    assert as_user(user).get(reverse("cases:my_work")).status_code == 404


def test_my_work_lists_my_cases_and_the_actions_due(as_user, case, caseworker):
    today = _today()
    goal = PlanGoalFactory(case=case)
    PlanActionFactory(
        goal=goal,
        responsible=caseworker,
        description="Llevar el CV",
        due_on=today - datetime.timedelta(days=1),
    )
    PlanActionFactory(
        goal=goal,
        responsible=caseworker,
        description="Ir al banco",
        due_on=today + datetime.timedelta(days=3),
    )
    PlanActionFactory(
        goal=goal,
        responsible=caseworker,
        description="Mucho después",
        due_on=today + datetime.timedelta(days=30),
    )
    PlanActionFactory(
        goal=goal,
        responsible=caseworker,
        description="Ya hecho",
        due_on=today,
        status="DONE",
        completed_on=today,
    )
    PlanActionFactory(goal=goal, description="De otra persona", due_on=today)

    response = as_user(caseworker).get(reverse("cases:my_work"))

    text = response.text
    assert case.participant.full_name in text
    assert [a.description for a in response.context["actions"]] == ["Llevar el CV", "Ir al banco"]
    assert "Mucho después" not in text
    assert "Ya hecho" not in text
    assert "De otra persona" not in text
    due = text[text.index('id="due-actions"') : text.index('id="h-my-cases"')]
    assert due.count(">Overdue<") == 1
    # The flag sits in the row of the overdue action, not in the one due later.
    assert due.index("Llevar el CV") < due.index(">Overdue<") < due.index("Ir al banco")


def test_my_work_shows_the_most_urgent_and_says_how_many_more(as_user, case, caseworker):
    today = _today()
    goal = PlanGoalFactory(case=case)
    for days_late in range(25):
        PlanActionFactory(
            goal=goal,
            responsible=caseworker,
            description=f"Tarea {days_late}",
            due_on=today - datetime.timedelta(days=days_late),
        )

    response = as_user(caseworker).get(reverse("cases:my_work"))

    shown = response.context["actions"]
    assert len(shown) == 20
    assert shown[0].description == "Tarea 24"  # the longest overdue first
    assert response.context["actions_count"] == 25
    assert "The 20 most urgent of 25 are shown." in response.text


def test_managers_see_the_work_of_their_programmes(
    as_user, manager, caseworker, case, make_member, organisation
):
    PlanActionFactory(
        goal=PlanGoalFactory(case=case),
        responsible=caseworker,
        description="Visita de seguimiento",
        due_on=_today(),
    )
    elsewhere = CaseFactory(programme=ProgrammeFactory(organisation=organisation))
    PlanActionFactory(
        goal=PlanGoalFactory(case=elsewhere), description="Otro programa", due_on=_today()
    )

    response = as_user(manager).get(reverse("cases:my_work"))

    assert [a.description for a in response.context["actions"]] == ["Visita de seguimiento"]
    assert caseworker.get_full_name() in response.text  # whose action it is
    assert list(response.context["my_cases"]) == [case]
    assert "Open cases of my programmes" in response.text


def test_managers_see_counts_and_cases_without_a_caseworker(as_user, manager, programme):
    CaseFactory(programme=programme, assigned_to=None)
    CaseFactory(programme=programme, status="CLOSED", closed_on=_today(), closure_reason="WITHDREW")

    response = as_user(manager).get(reverse("cases:my_work"))

    counts = response.context["programme_counts"]
    assert [(row.programme, row.counts) for row in counts] == [
        (programme, {"OPEN": 1, "ACTIVE": 0, "CLOSED": 1})
    ]
    assert len(response.context["unassigned"]) == 1


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_names_and_filters(as_user, manager, programme, caseworker):
    mine = CaseFactory(programme=programme, assigned_to=manager)
    closed = CaseFactory(
        programme=programme, status="CLOSED", closed_on=_today(), closure_reason="WITHDREW"
    )
    overdue = CaseFactory(programme=programme, assigned_to=caseworker)
    PlanActionFactory(
        goal=PlanGoalFactory(case=overdue),
        responsible=caseworker,
        due_on=_today() - datetime.timedelta(days=2),
    )
    client = as_user(manager)
    url = reverse("cases:list")

    everything = client.get(url)
    assert everything.status_code == 200
    assert mine.participant.full_name in everything.text
    assert {c.pk for c in everything.context["page"].items} == {mine.pk, closed.pk, overdue.pk}
    assert [c.pk for c in client.get(url, {"status": "CLOSED"}).context["page"].items] == [
        closed.pk
    ]
    assert [c.pk for c in client.get(url, {"assigned": "me"}).context["page"].items] == [mine.pk]
    assert [c.pk for c in client.get(url, {"overdue": "on"}).context["page"].items] == [overdue.pk]
    assert [
        c.pk for c in client.get(url, {"assigned": str(caseworker.pk)}).context["page"].items
    ] == [overdue.pk]


def test_the_list_only_shows_visible_cases(as_user, caseworker, organisation, case):
    CaseFactory(programme=ProgrammeFactory(organisation=organisation))
    CaseFactory()  # another organisation

    response = as_user(caseworker).get(reverse("cases:list"))

    assert [c.pk for c in response.context["page"].items] == [case.pk]


def test_the_list_pages_by_keyset_and_refuses_a_forged_cursor(as_user, manager, programme):
    for _ in range(30):
        CaseFactory(programme=programme)
    client = as_user(manager)

    first = client.get(reverse("cases:list")).context["page"]
    second = client.get(reverse("cases:list"), {"cursor": first.next_cursor}).context["page"]

    assert len(first.items) == 25
    assert len(second.items) == 5
    assert not {c.pk for c in first.items} & {c.pk for c in second.items}
    assert client.get(reverse("cases:list"), {"cursor": "forged!"}).status_code == 404


def test_the_list_answers_htmx_with_the_results_only(as_user, manager, case):
    response = as_user(manager).get(reverse("cases:list"), {"status": "OPEN"}, **HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="results"' in response.text


def _named(programme, given, surname):
    # The factory indexes the name's phonetic keys, as registration does.
    participant = ParticipantFactory(
        organisation=programme.organisation,
        given_names=given,
        first_surname=surname,
        second_surname="",
    )
    return CaseFactory(programme=programme, participant=participant)


def test_a_name_search_is_posted_and_kept_out_of_the_url(as_user, manager, programme):
    wanted = _named(programme, "Rosa Elvira", "Quintanilla")
    _named(programme, "Pedro", "Alvarado")
    client = as_user(manager)

    response = client.post(reverse("cases:list"), {"q": "Rosa Kintanilla"})

    assert response.status_code == 302
    assert "osa" not in response.url
    assert "anilla" not in response.url
    assert re.search(r"\?s=[\w-]+$", response.url)
    results = client.get(response.url)
    assert [c.pk for c in results.context["page"].items] == [wanted.pk]
    assert "Rosa Kintanilla" in results.text  # shown back in the box, never in the URL


def test_a_search_by_reference_keeps_the_other_filters(as_user, manager, programme):
    wanted = CaseFactory(programme=programme)
    CaseFactory(programme=programme)
    client = as_user(manager)

    response = client.post(
        reverse("cases:list") + "?status=OPEN", {"q": wanted.participant.reference}
    )

    assert "status=OPEN" in response.url
    assert wanted.participant.reference not in response.url
    assert [c.pk for c in client.get(response.url).context["page"].items] == [wanted.pk]


def test_an_unknown_filter_value_is_ignored_not_an_error(as_user, manager, case):
    response = as_user(manager).get(reverse("cases:list"), {"status": "NOPE", "programme": "x"})

    assert response.status_code == 200


# --- Opening a case ---------------------------------------------------------------------------


@pytest.fixture
def enrolled(organisation, programme):
    participant = ParticipantFactory(organisation=organisation)
    EnrolmentFactory(participant=participant, programme=programme)
    return participant


def _new_url(participant):
    return f"{reverse('cases:new')}?participant={participant.pk}"


def test_the_programme_is_limited_to_the_persons_visible_enrolments(
    as_user, caseworker, enrolled, organisation
):
    not_mine = ProgrammeFactory(organisation=organisation)
    EnrolmentFactory(participant=enrolled, programme=not_mine)

    response = as_user(caseworker).get(_new_url(enrolled))

    assert response.status_code == 200
    programmes = list(response.context["form"].fields["programme"].queryset)
    assert programmes == [enrolled.enrolments.exclude(programme=not_mine).get().programme]


def test_opening_a_case_from_the_form(as_user, caseworker, enrolled, programme):
    response = as_user(caseworker).post(
        _new_url(enrolled),
        {
            "programme": programme.pk,
            "intake_channel": "WALK_IN",
            "intake_summary": "Necesita empleo",
            "assigned_to": caseworker.pk,
            "opened_on": _today().isoformat(),
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == _detail(case)
    assert (case.participant, case.assigned_to) == (enrolled, caseworker)


def test_bad_input_gives_field_errors_and_no_case(as_user, caseworker, enrolled, programme):
    response = as_user(caseworker).post(
        _new_url(enrolled),
        {
            "programme": programme.pk,
            "intake_channel": "",
            "opened_on": (_today() + datetime.timedelta(days=3)).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "intake_channel" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.text
    assert not Case.objects.exists()


def test_a_refusal_of_the_service_shows_at_its_field(as_user, caseworker, enrolled, programme):
    CaseFactory(participant=enrolled, programme=programme)

    response = as_user(caseworker).post(
        _new_url(enrolled),
        {"programme": programme.pk, "intake_channel": "PHONE", "opened_on": _today().isoformat()},
    )

    assert response.status_code == 200
    assert "already has a case" in response.context["form"].errors["programme"][0]
    assert Case.objects.count() == 1


@pytest.mark.parametrize("query", ["", "?participant=", "?participant=nope"])
def test_opening_without_a_person_answers_404(as_user, caseworker, query):
    assert as_user(caseworker).get(reverse("cases:new") + query).status_code == 404


def test_opening_a_case_for_someone_of_another_organisation_answers_404(as_user, caseworker):
    stranger = ParticipantFactory()

    assert as_user(caseworker).get(_new_url(stranger)).status_code == 404


def test_the_participant_page_lists_cases_and_offers_to_open_one(as_user, caseworker, case):
    response = as_user(caseworker).get(reverse("people:detail", args=[case.participant.pk]))

    assert response.status_code == 200
    assert _detail(case) in response.text
    assert _new_url(case.participant) in response.text


# --- The case page ----------------------------------------------------------------------------


def test_the_case_page_shows_every_section(as_user, caseworker, case):
    NeedsAssessmentFactory(case=case)
    PlanActionFactory(goal=PlanGoalFactory(case=case), description="Sacar el DUI")

    response = as_user(caseworker).get(_detail(case))

    assert response.status_code == 200
    for anchor in (
        'id="summary"',
        'id="plan"',
        'id="needs"',
        'id="vulnerability"',
        'id="notes"',
        'id="case-referrals"',
        'id="timeline"',
    ):
        assert anchor in response.text
    assert "Sacar el DUI" in response.text
    assert case.intake_summary in response.text
    assert reverse("referrals:new") + f"?case={case.pk}" in response.text


def test_the_case_page_records_the_reads_of_sensitive_content(as_user, caseworker, case):
    note = CaseNoteFactory(case=case)
    assessment = NeedsAssessmentFactory(case=case)

    as_user(caseworker).get(_detail(case))

    reads = AuditEvent.objects.filter(kind="READ", actor=caseworker)
    assert set(reads.values_list("action", "target_id")) == {
        ("case.intake_read", str(case.pk)),
        ("case_note.read", str(note.pk)),
        ("needs_assessment.read", str(assessment.pk)),
    }


def test_restricted_notes_are_hidden_from_caseworkers(as_user, caseworker, psychologist, case):
    note = CaseNoteFactory(case=case, sensitivity="RESTRICTED", body="Relato de la detención")

    hidden = as_user(caseworker).get(_detail(case))
    assert "Relato de la detención" not in hidden.text
    assert not AuditEvent.objects.filter(action="case_note.read").exists()

    shown = as_user(psychologist).get(_detail(case))
    assert "Relato de la detención" in shown.text
    read = AuditEvent.objects.get(action="case_note.read")
    assert (read.actor, read.target_id, read.kind) == (psychologist, str(note.pk), "READ")


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMIN, Role.VIEWER])
def test_another_organisations_case_page_answers_404(
    role, as_user, make_member, other_organisation, case
):
    user = make_member(role, organisation=other_organisation)

    assert as_user(user).get(_detail(case)).status_code == 404


def test_caseworkers_are_not_offered_closing_or_assigning(as_user, caseworker, case):
    text = as_user(caseworker).get(_detail(case)).text

    assert reverse("cases:close", args=[case.pk]) not in text
    assert reverse("cases:assign", args=[case.pk]) not in text


# --- Plan, with and without htmx --------------------------------------------------------------


def test_adding_a_goal_without_javascript(as_user, caseworker, case):
    response = as_user(caseworker).post(
        reverse("cases:goal_add", args=[case.pk]),
        {"dimension": "SOCIAL", "description": "Sacar partida de nacimiento"},
    )

    assert response.status_code == 302
    assert response.url == _detail(case) + "#plan"
    assert PlanGoal.objects.get().description == "Sacar partida de nacimiento"


def test_adding_a_goal_with_htmx_answers_the_plan_only(as_user, caseworker, case):
    response = as_user(caseworker).post(
        reverse("cases:goal_add", args=[case.pk]),
        {"dimension": "SOCIAL", "description": "Sacar partida de nacimiento"},
        **HTMX,
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section class="card card-body" id="plan"')
    assert "Sacar partida de nacimiento" in response.text


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_bad_goal_gives_a_field_error_and_no_goal(as_user, caseworker, case, headers):
    response = as_user(caseworker).post(
        reverse("cases:goal_add", args=[case.pk]),
        {"dimension": "SOCIAL", "description": ""},
        **headers,
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert ("<html" in response.text) is (not headers)
    assert not PlanGoal.objects.exists()


def test_adding_an_action_with_htmx(as_user, caseworker, case):
    goal = PlanGoalFactory(case=case)
    prefix = f"goal-{goal.pk}"

    response = as_user(caseworker).post(
        reverse("cases:action_add", args=[case.pk, goal.pk]),
        {
            f"{prefix}-description": "Inscribirse en INSAFORP",
            f"{prefix}-responsible": caseworker.pk,
            f"{prefix}-due_on": (_today() + datetime.timedelta(days=5)).isoformat(),
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert "Inscribirse en INSAFORP" in response.text
    assert "The action was added." in response.text
    assert PlanAction.objects.get().responsible == caseworker
    case.refresh_from_db()
    assert case.status == "ACTIVE"


def test_an_action_for_someone_outside_the_programme_is_refused(
    as_user, caseworker, case, make_member, organisation
):
    outsider = make_member(Role.CASEWORKER, organisation=organisation)
    goal = PlanGoalFactory(case=case)
    prefix = f"goal-{goal.pk}"

    response = as_user(caseworker).post(
        reverse("cases:action_add", args=[case.pk, goal.pk]),
        {
            f"{prefix}-description": "Algo",
            f"{prefix}-responsible": outsider.pk,
            f"{prefix}-due_on": _today().isoformat(),
        },
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert "Select a valid choice" in response.text
    assert not PlanAction.objects.exists()


def test_a_goal_of_another_case_answers_404(as_user, caseworker, case, programme):
    other_goal = PlanGoalFactory(case=CaseFactory(programme=programme))

    response = as_user(caseworker).post(
        reverse("cases:action_add", args=[case.pk, other_goal.pk]), {}
    )

    assert response.status_code == 404


@pytest.fixture
def action(case, caseworker):
    return PlanActionFactory(goal=PlanGoalFactory(case=case), responsible=caseworker)


def test_marking_an_action_done_with_htmx(as_user, caseworker, case, action):
    response = as_user(caseworker).post(
        reverse("cases:action_status", args=[case.pk, action.pk]), {"status": "DONE"}, **HTMX
    )

    assert response.status_code == 200
    assert 'id="plan"' in response.text
    assert "<html" not in response.text
    action.refresh_from_db()
    assert action.status == "DONE"


def test_marking_an_action_done_from_my_work(as_user, caseworker, case, action):
    client = as_user(caseworker)
    url = reverse("cases:action_status", args=[case.pk, action.pk])

    response = client.post(url, {"status": "DONE", "next": "my_work"}, **HTMX)
    assert 'id="due-actions"' in response.text

    action.refresh_from_db()
    assert action.status == "DONE"
    again = client.post(url, {"status": "PENDING", "next": "my_work"})
    assert again.status_code == 302
    assert again.url == reverse("cases:my_work")


def test_a_bad_status_changes_nothing(as_user, caseworker, case, action):
    response = as_user(caseworker).post(
        reverse("cases:action_status", args=[case.pk, action.pk]), {"status": "LATER"}
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "PENDING"


def test_changing_an_action(as_user, caseworker, case, action):
    client = as_user(caseworker)
    url = reverse("cases:action_edit", args=[case.pk, action.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {"description": "Otra cosa", "responsible": caseworker.pk, "due_on": _today().isoformat()},
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.description == "Otra cosa"


# --- Notes ------------------------------------------------------------------------------------


def test_adding_a_note_with_htmx_answers_the_notes(as_user, caseworker, case):
    response = as_user(caseworker).post(
        reverse("cases:note_add", args=[case.pk]), {"body": "Llamó al 911"}, **HTMX
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Llamó al 911" in response.text
    assert CaseNote.objects.get().sensitivity == "STANDARD"


def test_a_caseworker_cannot_slip_in_a_restricted_note(as_user, caseworker, case):
    as_user(caseworker).post(
        reverse("cases:note_add", args=[case.pk]), {"body": "Intento", "sensitivity": "RESTRICTED"}
    )

    assert CaseNote.objects.get().sensitivity == "STANDARD"


def test_psychosocial_staff_write_restricted_notes(as_user, psychologist, case):
    client = as_user(psychologist)
    assert 'value="RESTRICTED"' in client.get(_detail(case)).text

    response = client.post(
        reverse("cases:note_add", args=[case.pk]), {"body": "Relato", "sensitivity": "RESTRICTED"}
    )

    assert response.status_code == 302
    assert CaseNote.objects.get().is_restricted


def test_an_empty_note_is_refused(as_user, caseworker, case):
    response = as_user(caseworker).post(reverse("cases:note_add", args=[case.pk]), {"body": " "})

    assert response.status_code == 200
    assert "body" in response.context["note_form"].errors
    assert not CaseNote.objects.exists()


def test_an_empty_note_with_htmx_answers_the_notes_with_the_error(as_user, caseworker, case):
    response = as_user(caseworker).post(
        reverse("cases:note_add", args=[case.pk]), {"body": ""}, **HTMX
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card card-body h-100" id="notes"')
    assert 'aria-invalid="true"' in response.text
    assert not CaseNote.objects.exists()


def test_a_closed_case_takes_no_note(as_user, caseworker, case):
    case.status, case.closed_on, case.closure_reason = "CLOSED", _today(), "WITHDREW"
    case.save()
    client = as_user(caseworker)

    assert reverse("cases:note_add", args=[case.pk]) not in client.get(_detail(case)).text
    response = client.post(reverse("cases:note_add", args=[case.pk]), {"body": "Nota"})

    assert response.status_code == 200
    assert "closed" in str(response.context["note_form"].non_field_errors())
    assert not CaseNote.objects.exists()


def test_the_notes_page_records_its_reads(as_user, psychologist, case):
    CaseNoteFactory.create_batch(3, case=case, sensitivity="RESTRICTED")

    response = as_user(psychologist).get(reverse("cases:notes", args=[case.pk]))

    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="case_note.read").count() == 3


def test_the_timeline_page(as_user, caseworker, case):
    AuditEvent.objects.create(
        at=timezone.now(),
        actor=caseworker,
        action="case.opened",
        target_type="cases.case",
        target_id=str(case.pk),
        case_id=case.pk,
        organisation_id=case.organisation_id,
    )

    response = as_user(caseworker).get(reverse("cases:timeline", args=[case.pk]))

    assert response.status_code == 200
    assert f"{caseworker.get_full_name()} opened the case." in response.text


# --- Status and assignment --------------------------------------------------------------------


def test_caseworkers_may_not_close(as_user, caseworker, case):
    client = as_user(caseworker)

    assert client.get(reverse("cases:close", args=[case.pk])).status_code == 403
    assert client.post(reverse("cases:reopen", args=[case.pk])).status_code == 403
    assert client.get(reverse("cases:assign", args=[case.pk])).status_code == 403


def test_a_manager_closes_and_reopens(as_user, manager, case):
    client = as_user(manager)

    response = client.post(
        reverse("cases:close", args=[case.pk]),
        {"closure_reason": "LOST_CONTACT", "closed_on": _today().isoformat()},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == ("CLOSED", "LOST_CONTACT")

    client.post(reverse("cases:reopen", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == "OPEN"


def test_closing_in_the_future_is_refused_at_the_field(as_user, manager, case):
    response = as_user(manager).post(
        reverse("cases:close", args=[case.pk]),
        {
            "closure_reason": "LOST_CONTACT",
            "closed_on": (_today() + datetime.timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "closed_on" in response.context["form"].errors
    case.refresh_from_db()
    assert case.status == "OPEN"


def test_a_manager_assigns(as_user, manager, psychologist, case):
    response = as_user(manager).post(
        reverse("cases:assign", args=[case.pk]), {"assigned_to": psychologist.pk}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == psychologist


def test_activating_a_case(as_user, caseworker, case):
    as_user(caseworker).post(reverse("cases:activate", args=[case.pk]))

    case.refresh_from_db()
    assert case.status == "ACTIVE"


def test_get_is_refused_where_only_post_changes(as_user, manager, case):
    assert as_user(manager).get(reverse("cases:reopen", args=[case.pk])).status_code == 405


# --- Needs and vulnerability ------------------------------------------------------------------


def _needs_post(**overrides):
    data = {
        "assessed_on": _today().isoformat(),
        "economic_level": "HIGH",
        "economic_needs": ["EMPLOYMENT", "DEBTS"],
        "social_level": "LOW",
        "psychosocial_level": "MEDIUM",
        "psychosocial_needs": ["GRIEF"],
        "psychosocial_notes": "Perdió a su madre",
    }
    data.update(overrides)
    return data


def test_recording_needs(as_user, caseworker, case):
    client = as_user(caseworker)
    url = reverse("cases:needs_new", args=[case.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, _needs_post())

    assert response.status_code == 302
    assessment = NeedsAssessment.objects.get()
    assert assessment.economic_needs == ["DEBTS", "EMPLOYMENT"]
    page = client.get(_detail(case))
    assert "Perdió a su madre" in page.text


def test_needs_from_another_dimension_are_refused(as_user, caseworker, case):
    response = as_user(caseworker).post(
        reverse("cases:needs_new", args=[case.pk]), _needs_post(social_needs=["TRAUMA"])
    )

    assert response.status_code == 200
    assert "social_needs" in response.context["form"].errors
    assert not NeedsAssessment.objects.exists()


def _checked(html, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    return tag is not None and " checked" in tag.group(0)


def test_screening_starts_from_the_default_criteria(as_user, caseworker, case):
    case.participant.returned_on = _today() - datetime.timedelta(days=20)
    case.participant.save()
    client = as_user(caseworker)
    url = reverse("cases:screening_new", args=[case.pk])

    page = client.get(url)
    assert page.status_code == 200
    # Opening the page writes nothing: the defaults are shown, and saved with the first screening.
    assert not VulnerabilityCriterion.objects.filter(programme=case.programme).exists()
    # Returned 20 days ago: the registry already answers this one, so it comes ticked.
    assert _checked(page.text, "c_RECENTLY_RETURNED")
    assert not _checked(page.text, "c_GBV_RISK")

    response = client.post(
        url,
        {
            "screened_on": _today().isoformat(),
            "c_GBV_RISK": "on",
            "c_THREATS_OR_VIOLENCE": "on",
            "c_NO_INCOME": "on",
        },
    )

    assert response.status_code == 302
    screening = VulnerabilityScreening.objects.get()
    assert (screening.score, screening.level) == (8, "HIGH")
    assert VulnerabilityCriterion.objects.filter(programme=case.programme).count() == 9


def test_a_screening_with_a_bad_date_writes_nothing(as_user, caseworker, case):
    response = as_user(caseworker).post(
        reverse("cases:screening_new", args=[case.pk]), {"screened_on": "31/31/2026"}
    )

    assert response.status_code == 200
    assert "screened_on" in response.context["form"].errors
    assert not VulnerabilityScreening.objects.exists()


# --- Criteria configuration -------------------------------------------------------------------


def _criteria_post(programme, **changes):
    criteria = programme_criteria(programme=programme)
    data = {
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": str(len(criteria)),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "medium_from": "4",
        "high_from": "8",
    }
    for index, criterion in enumerate(criteria):
        data.update(
            {
                f"criteria-{index}-key": criterion.code,
                f"criteria-{index}-label_es": criterion.label_es,
                f"criteria-{index}-label_en": criterion.label_en,
                f"criteria-{index}-weight": str(criterion.weight),
                f"criteria-{index}-order": str(criterion.order),
                f"criteria-{index}-is_active": "on",
            }
        )
    data.update(changes)
    return data


def test_a_manager_edits_the_criteria(as_user, manager, programme):
    client = as_user(manager)
    url = reverse("cases:criteria", args=[programme.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        _criteria_post(
            programme,
            **{
                "criteria-0-weight": "5",
                "high_from": "10",
                "new-code": "single_parent",
                "new-label_es": "Madre o padre solo",
                "new-label_en": "Single parent",
                "new-weight": "2",
                "new-order": "100",
                "new-is_active": "on",
            },
        ),
    )

    assert response.status_code == 302
    first = programme.vulnerability_criteria.order_by("order").first()
    assert first.weight == 5
    assert programme.vulnerability_criteria.filter(code="SINGLE_PARENT", is_active=True).exists()
    assert programme.vulnerability_thresholds.high_from == 10


def test_codes_cannot_be_renamed_through_the_form(as_user, manager, programme):
    client = as_user(manager)
    url = reverse("cases:criteria", args=[programme.pk])
    client.get(url)

    client.post(url, _criteria_post(programme, **{"criteria-0-code": "RENAMED"}))

    assert not programme.vulnerability_criteria.filter(code="RENAMED").exists()


def test_rows_sent_for_criteria_that_moved_meanwhile_change_nothing(as_user, manager, programme):
    client = as_user(manager)
    url = reverse("cases:criteria", args=[programme.pk])
    vulnerability_criteria_ensure_defaults(programme=programme, by=manager, at=timezone.now())
    data = _criteria_post(programme, **{"criteria-0-weight": "9"})
    # Another manager moves the first criterion to the end before this form is sent.
    first = programme.vulnerability_criteria.order_by("order").first()
    first.order = 999
    first.save()

    response = client.post(url, data)

    assert response.status_code == 200
    assert "changed by someone else" in response.text
    assert not programme.vulnerability_criteria.filter(weight=9).exists()


def test_thresholds_out_of_order_change_nothing(as_user, manager, programme):
    client = as_user(manager)
    url = reverse("cases:criteria", args=[programme.pk])
    client.get(url)

    response = client.post(
        url, _criteria_post(programme, **{"criteria-0-weight": "7", "high_from": "2"})
    )

    assert response.status_code == 200
    assert response.context["thresholds_form"].errors
    assert not programme.vulnerability_criteria.filter(weight=7).exists()


def test_a_new_criterion_reusing_a_code_is_refused(as_user, manager, programme):
    client = as_user(manager)
    url = reverse("cases:criteria", args=[programme.pk])
    client.get(url)

    response = client.post(
        url,
        _criteria_post(
            programme,
            **{
                "new-code": "GBV_RISK",
                "new-label_es": "x",
                "new-label_en": "x",
                "new-weight": "1",
                "new-order": "1",
            },
        ),
    )

    assert response.status_code == 200
    assert "code" in response.context["new_form"].errors
    assert not programme.vulnerability_criteria.exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PSYCHOSOCIAL, Role.VIEWER])
def test_only_managers_configure_criteria(role, as_user, make_member, organisation, programme):
    user = make_member(role, organisation=organisation, programmes=[programme])

    assert as_user(user).get(reverse("cases:criteria", args=[programme.pk])).status_code == 404
    assert not VulnerabilityCriterion.objects.exists()


def test_a_manager_of_another_programme_cannot_configure_this_one(
    as_user, make_member, organisation, programme
):
    other = make_member(
        Role.MANAGER,
        organisation=organisation,
        programmes=[ProgrammeFactory(organisation=organisation)],
    )

    assert as_user(other).get(reverse("cases:criteria", args=[programme.pk])).status_code == 404


# --- Templates obey the Content-Security-Policy -----------------------------------------------


def test_no_inline_script_or_style_in_the_templates():
    offenders = [
        path.name
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"<script|<style|\sstyle=|\son[a-z]+=", path.read_text())
    ]
    assert offenders == []
