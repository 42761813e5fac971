"""Cases through the API: who sees and does what, the plan, notes, assessments and audit."""

import datetime

import pytest
from django.utils import timezone

from arraigo.accounts.models import Role
from arraigo.api.tests.conftest import NO_API_ROLES, STAFF_ROLES, client_for
from arraigo.cases.models import (
    Case,
    CaseNote,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
    VulnerabilityScreening,
)
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

LIST = "/api/cases/"
MANAGERS = [Role.ADMIN, Role.MANAGER]
WORKERS = [Role.CASEWORKER, Role.PSYCHOSOCIAL]


def url(case, tail: str = "") -> str:
    return f"/api/cases/{case.pk}/{tail}"


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


def today() -> datetime.date:
    return timezone.localdate()


# --- Who sees which cases -----------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_list_the_cases_of_their_programmes_only(role, own, other, member_of):
    response = client_for(member_of(role, own)).get(LIST)

    assert response.status_code == 200
    assert str(own.case.pk) in ids(response)
    assert str(other.case.pk) not in ids(response)


@pytest.mark.parametrize("role", [Role.PARTNER, *NO_API_ROLES])
def test_other_roles_find_no_cases(role, own, member_of):
    client = client_for(member_of(role, own))

    assert client.get(LIST).status_code == 404
    assert client.get(url(own.case)).status_code == 404


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize(("side", "expected"), [("own", 200), ("other", 404)])
@pytest.mark.parametrize("tail", ["", "notes/", "needs/", "screenings/", "timeline/"])
def test_reading_a_case_by_role_and_organisation(role, side, expected, tail, own, other, member_of):
    case = {"own": own, "other": other}[side].case

    response = client_for(member_of(role, own)).get(url(case, tail))

    assert response.status_code == expected


def test_a_case_of_a_programme_the_user_is_not_in_is_hidden(own, make_member):
    elsewhere = ProgrammeFactory(organisation=own.organisation)
    user = make_member(Role.MANAGER, organisation=own.organisation, programmes=[elsewhere])

    assert client_for(user).get(url(own.case)).status_code == 404
    assert client_for(user).post(url(own.case, "reopen/")).status_code == 404


def test_the_list_filters_by_status_caseworker_and_overdue(own, make_member):
    client = client_for(own.caseworker)
    PlanActionFactory(
        goal__case=own.case, responsible=own.caseworker, due_on=today() - datetime.timedelta(1)
    )

    assert str(own.case.pk) in ids(client.get(LIST, {"assigned": "me", "overdue": "true"}))
    assert ids(client.get(LIST, {"assigned": "none"})) == set()
    assert ids(client.get(LIST, {"status": "CLOSED"})) == set()
    assert str(own.case.pk) in ids(client.get(LIST, {"assigned": str(own.caseworker.pk)}))
    refused = client.get(LIST, {"assigned": "someone", "status": "SHUT"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"assigned", "status"}


def test_the_list_shows_due_dates_and_no_intake_summary(own):
    PlanActionFactory(goal__case=own.case, responsible=own.caseworker, due_on=today())

    row = client_for(own.caseworker).get(LIST).json()["results"][0]

    assert row["next_due_on"] == today().isoformat()
    assert row["has_overdue"] is False
    assert row["participant"]["reference"] == own.participant.reference
    assert "intake_summary" not in row
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


# --- The case and its audited intake summary --------------------------------------------------


def test_retrieve_shows_the_plan_and_records_reading_the_intake(own):
    action = PlanActionFactory(goal__case=own.case, responsible=own.caseworker)

    response = client_for(own.caseworker).get(url(own.case))

    body = response.json()
    assert body["intake_summary"] == own.case.intake_summary
    assert body["plan"][0]["actions"][0]["id"] == str(action.pk)
    assert body["may"] == {
        "change": True,
        "assign": False,
        "close": False,
        "restricted_notes": False,
    }
    read = AuditEvent.objects.get(kind=AuditEvent.Kind.READ)
    assert (read.action, read.case_id, read.actor) == (
        "case.intake_read",
        own.case.pk,
        own.caseworker,
    )


def test_a_case_without_intake_summary_records_no_read(own):
    own.case.intake_summary = ""
    own.case.save()

    assert client_for(own.caseworker).get(url(own.case)).status_code == 200
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


# --- Opening ------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(own):
    participant = ParticipantFactory(organisation=own.organisation)
    EnrolmentFactory(participant=participant, programme=own.programme)
    return participant


def opening(person, programme, **overrides):
    body = {
        "participant": str(person.pk),
        "programme": str(programme.pk),
        "intake_channel": "WALK_IN",
        "intake_summary": "Busca empleo.",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_open_a_case(role, own, newcomer, member_of):
    user = member_of(role, own)

    response = client_for(user).post(
        LIST, opening(newcomer, own.programme, assigned_to=str(own.caseworker.pk)), format="json"
    )

    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["id"])
    assert case.participant == newcomer
    assert case.assigned_to == own.caseworker
    assert case.opened_on == today()
    assert AuditEvent.objects.filter(action="case.opened", case_id=case.pk, actor=user).exists()


@pytest.mark.parametrize("role", [Role.PARTNER, *NO_API_ROLES])
def test_other_roles_cannot_open_cases(role, own, newcomer, member_of):
    response = client_for(member_of(role, own)).post(
        LIST, opening(newcomer, own.programme), format="json"
    )

    assert response.status_code == 404
    assert not Case.objects.filter(participant=newcomer).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"intake_channel": "CARRIER_PIGEON"}, "intake_channel"),
        ({"opened_on": "2999-01-01"}, "opened_on"),
        ({"assigned_to": "00000000-0000-0000-0000-000000000000"}, "assigned_to"),
        ({"participant": "not-a-uuid"}, "participant"),
        ({"intake_summary": "x" * 10_001}, "intake_summary"),
    ],
)
def test_opening_refusals_name_the_field(overrides, field, own, newcomer):
    response = client_for(own.caseworker).post(
        LIST, opening(newcomer, own.programme, **overrides), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.filter(participant=newcomer).exists()


def test_a_second_case_in_the_same_programme_is_refused(own):
    response = client_for(own.caseworker).post(
        LIST, opening(own.participant, own.programme), format="json"
    )

    assert response.status_code == 400
    assert "already has a case" in response.json()["programme"][0]
    assert Case.objects.filter(participant=own.participant).count() == 1


def test_another_organisations_person_or_programme_cannot_be_used(own, other, newcomer):
    client = client_for(own.caseworker)

    person = client.post(LIST, opening(other.participant, own.programme), format="json")
    programme = client.post(LIST, opening(newcomer, other.programme), format="json")

    assert person.json() == {"participant": ["Choose a participant you can see."]}
    assert programme.json() == {"programme": ["Choose one of the programmes you work in."]}


# --- Closing, reopening, assigning, activating ------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_managers_close_and_reopen(role, own, member_of):
    client = client_for(member_of(role, own))

    closed = client.post(url(own.case, "close/"), {"closure_reason": "WITHDREW"}, format="json")
    reopened = client.post(url(own.case, "reopen/"))

    assert closed.status_code == 200
    assert closed.json()["status"] == "CLOSED"
    assert closed.json()["closure_reason"] == "WITHDREW"
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "OPEN"
    actions = list(
        AuditEvent.objects.filter(case_id=own.case.pk)
        .order_by("at")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["case.closed", "case.reopened"]


@pytest.mark.parametrize("role", WORKERS)
@pytest.mark.parametrize("tail", ["close/", "reopen/", "assign/"])
def test_caseworkers_may_not_close_reopen_or_assign(role, tail, own, member_of):
    body = {"closure_reason": "WITHDREW", "assigned_to": None}

    response = client_for(member_of(role, own)).post(url(own.case, tail), body, format="json")

    assert response.status_code == 403
    own.case.refresh_from_db()
    assert own.case.status == Case.Status.OPEN
    assert own.case.assigned_to == own.caseworker


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize("tail", ["close/", "reopen/", "assign/", "activate/"])
def test_another_organisations_case_answers_404(role, tail, own, other, member_of):
    body = {"closure_reason": "WITHDREW", "assigned_to": None}

    response = client_for(member_of(role, own)).post(url(other.case, tail), body, format="json")

    assert response.status_code == 404
    other.case.refresh_from_db()
    assert other.case.status == Case.Status.OPEN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "closure_reason"),
        ({"closure_reason": "BORED"}, "closure_reason"),
        ({"closure_reason": "WITHDREW", "closed_on": "2999-01-01"}, "closed_on"),
        ({"closure_reason": "WITHDREW", "closed_on": "2000-01-01"}, "closed_on"),
    ],
)
def test_closing_refusals_name_the_field(body, field, own, member_of):
    response = client_for(member_of(Role.MANAGER, own)).post(
        url(own.case, "close/"), body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    own.case.refresh_from_db()
    assert own.case.status == Case.Status.OPEN


def test_a_case_closes_once_and_reopens_only_when_closed(own, member_of):
    client = client_for(member_of(Role.MANAGER, own))

    assert client.post(url(own.case, "reopen/")).status_code == 400
    client.post(url(own.case, "close/"), {"closure_reason": "MOVED_AWAY"}, format="json")
    again = client.post(url(own.case, "close/"), {"closure_reason": "MOVED_AWAY"}, format="json")

    assert again.status_code == 400
    assert "closed" in again.json()["non_field_errors"][0]


def test_assigning_to_staff_of_the_programme_and_to_nobody(own, member_of):
    manager = member_of(Role.MANAGER, own)
    second = member_of(Role.CASEWORKER, own)
    client = client_for(manager)

    assigned = client.post(url(own.case, "assign/"), {"assigned_to": str(second.pk)}, format="json")
    nobody = client.post(url(own.case, "assign/"), {"assigned_to": None}, format="json")

    assert assigned.json()["assigned_to"]["id"] == str(second.pk)
    assert nobody.json()["assigned_to"] is None
    assert AuditEvent.objects.filter(case_id=own.case.pk, action="case.unassigned").exists()


def test_assigning_to_someone_outside_the_programme_is_refused(own, other, member_of):
    client = client_for(member_of(Role.MANAGER, own))

    outsider = client.post(
        url(own.case, "assign/"), {"assigned_to": str(other.caseworker.pk)}, format="json"
    )
    missing = client.post(url(own.case, "assign/"), {}, format="json")

    assert outsider.json() == {
        "assigned_to": ["Choose someone of your organisation who works in this programme."]
    }
    assert missing.json()["assigned_to"] == ["This field is required."]
    own.case.refresh_from_db()
    assert own.case.assigned_to == own.caseworker


def test_activating_an_open_case_once(own):
    client = client_for(own.caseworker)

    first = client.post(url(own.case, "activate/"))
    second = client.post(url(own.case, "activate/"))

    assert first.json()["status"] == "ACTIVE"
    assert second.status_code == 400


# --- The reintegration plan ---------------------------------------------------------------------


def test_goals_and_actions_are_added_and_the_first_action_activates_the_case(own):
    client = client_for(own.caseworker)

    goal = client.post(
        url(own.case, "goals/"),
        {"dimension": "ECONOMIC", "description": "Abrir una pupusería"},
        format="json",
    )
    action = client.post(
        url(own.case, "actions/"),
        {
            "goal": goal.json()["id"],
            "description": "Curso de manipulación de alimentos",
            "responsible": str(own.caseworker.pk),
            "due_on": (today() + datetime.timedelta(days=20)).isoformat(),
        },
        format="json",
    )

    assert goal.status_code == 201
    assert action.status_code == 201
    assert action.json()["status"] == "PENDING"
    own.case.refresh_from_db()
    assert own.case.status == Case.Status.ACTIVE
    assert {"plan_goal.added", "plan_action.added", "case.activated"} <= set(
        AuditEvent.objects.filter(case_id=own.case.pk).values_list("action", flat=True)
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dimension": "SPIRITUAL", "description": "x"}, "dimension"),
        ({"dimension": "SOCIAL", "description": ""}, "description"),
        ({"dimension": "SOCIAL", "description": "   "}, "description"),
        ({"dimension": "SOCIAL", "description": "x" * 501}, "description"),
    ],
)
def test_goal_refusals_name_the_field(body, field, own):
    response = client_for(own.caseworker).post(url(own.case, "goals/"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not PlanGoal.objects.filter(case=own.case).exists()


def test_an_action_needs_a_goal_of_this_case_and_a_responsible_of_the_programme(own, other):
    foreign_goal = PlanGoalFactory(case=other.case)
    body = {
        "goal": str(foreign_goal.pk),
        "description": "Algo",
        "responsible": str(other.caseworker.pk),
        "due_on": today().isoformat(),
    }

    response = client_for(own.caseworker).post(url(own.case, "actions/"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "goal": ["Choose a goal of this case's plan."],
        "responsible": ["Choose someone of your organisation who works in this programme."],
    }
    assert not PlanAction.objects.filter(description="Algo").exists()


def test_an_action_changes_status_and_details(own):
    action = PlanActionFactory(goal__case=own.case, responsible=own.caseworker)
    client = client_for(own.caseworker)

    done = client.post(url(own.case, f"actions/{action.pk}/status/"), {"status": "DONE"})
    again = client.post(url(own.case, f"actions/{action.pk}/status/"), {"status": "DONE"})
    changed = client.patch(
        url(own.case, f"actions/{action.pk}/"), {"description": "Otra cosa"}, format="json"
    )

    assert done.json()["completed_on"] == today().isoformat()
    assert again.status_code == 400
    assert changed.json()["description"] == "Otra cosa"
    assert changed.json()["due_on"] == action.due_on.isoformat()
    assert AuditEvent.objects.filter(action="plan_action.updated").count() == 1


def test_an_action_of_another_case_answers_404(own, other):
    foreign = PlanActionFactory(goal__case=other.case, responsible=other.caseworker)
    client = client_for(own.caseworker)

    status = client.post(url(own.case, f"actions/{foreign.pk}/status/"), {"status": "DONE"})
    patch = client.patch(url(own.case, f"actions/{foreign.pk}/"), {"description": "x"})

    assert status.status_code == patch.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == PlanAction.Status.PENDING


# --- Notes --------------------------------------------------------------------------------------


@pytest.fixture
def notes(own):
    standard = CaseNoteFactory(case=own.case, body="Vino a la cita.")
    restricted = CaseNoteFactory(
        case=own.case, body="Relata violencia.", sensitivity=CaseNote.Sensitivity.RESTRICTED
    )
    return standard, restricted


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.CASEWORKER])
def test_restricted_notes_do_not_exist_for_other_staff(role, own, notes, member_of):
    standard, _restricted = notes

    response = client_for(member_of(role, own)).get(url(own.case, "notes/"))

    assert ids(response) == {str(standard.pk)}
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, action="case_note.read")
    assert set(reads.values_list("target_id", flat=True)) == {str(standard.pk)}


def test_psychosocial_staff_read_restricted_notes_and_each_read_is_audited(own, notes, member_of):
    psychologist = member_of(Role.PSYCHOSOCIAL, own)

    response = client_for(psychologist).get(url(own.case, "notes/"))

    assert ids(response) == {str(note.pk) for note in notes}
    reads = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.READ, action="case_note.read", actor=psychologist
    )
    assert set(reads.values_list("target_id", flat=True)) == {str(note.pk) for note in notes}


def test_only_psychosocial_staff_write_restricted_notes(own, member_of):
    body = {"body": "Confidencial.", "sensitivity": "RESTRICTED"}

    refused = client_for(own.caseworker).post(url(own.case, "notes/"), body, format="json")
    written = client_for(member_of(Role.PSYCHOSOCIAL, own)).post(
        url(own.case, "notes/"), body, format="json"
    )

    assert refused.status_code == 403
    assert written.status_code == 201
    assert CaseNote.objects.filter(case=own.case).count() == 1


def test_a_standard_note_is_written_by_any_case_role(own):
    response = client_for(own.caseworker).post(
        url(own.case, "notes/"), {"body": "  Llamó.  "}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["body"] == "Llamó."
    assert response.json()["sensitivity"] == "STANDARD"


@pytest.mark.parametrize(
    "body", [{}, {"body": ""}, {"body": "x" * 10_001}, {"body": "ok", "sensitivity": "SECRET"}]
)
def test_note_refusals_write_nothing(body, own):
    response = client_for(own.caseworker).post(url(own.case, "notes/"), body, format="json")

    assert response.status_code == 400
    assert not CaseNote.objects.filter(case=own.case).exists()


def test_a_closed_case_takes_no_notes(own):
    own.case.status, own.case.closed_on, own.case.closure_reason = "CLOSED", today(), "WITHDREW"
    own.case.save()

    response = client_for(own.caseworker).post(
        url(own.case, "notes/"), {"body": "Tarde."}, format="json"
    )

    assert response.status_code == 400
    assert "Reopen it" in response.json()["non_field_errors"][0]
    assert not CaseNote.objects.filter(case=own.case).exists()


def test_the_timeline_hides_restricted_notes_from_other_staff(own, member_of):
    psychologist = client_for(member_of(Role.PSYCHOSOCIAL, own))
    psychologist.post(
        url(own.case, "notes/"), {"body": "x", "sensitivity": "RESTRICTED"}, format="json"
    )

    for_caseworker = client_for(own.caseworker).get(url(own.case, "timeline/")).json()
    for_psychologist = psychologist.get(url(own.case, "timeline/")).json()

    assert "case_note.added" not in [e["action"] for e in for_caseworker["results"]]
    assert "added a restricted note" in for_psychologist["results"][0]["sentence"]


# --- Needs assessments and vulnerability screenings -------------------------------------------


def test_a_needs_assessment_is_recorded_and_reading_it_is_audited(own):
    client = client_for(own.caseworker)
    body = {
        "economic_level": "HIGH",
        "economic_needs": ["NO_INCOME"],
        "social_level": "LOW",
        "psychosocial_level": "MEDIUM",
        "psychosocial_needs": ["GRIEF"],
        "psychosocial_notes": "Duelo.",
    }

    recorded = client.post(url(own.case, "needs/"), body, format="json")
    listed = client.get(url(own.case, "needs/"))

    assert recorded.status_code == 201
    assert listed.json()[0]["psychosocial_needs"] == ["GRIEF"]
    assessment = NeedsAssessment.objects.get(case=own.case)
    assert AuditEvent.objects.filter(
        action="needs_assessment.read", target_id=str(assessment.pk)
    ).exists()


def test_an_assessment_without_psychosocial_content_is_read_without_audit(own):
    NeedsAssessmentFactory(case=own.case, psychosocial_needs=[], psychosocial_notes="")

    assert client_for(own.caseworker).get(url(own.case, "needs/")).status_code == 200
    assert not AuditEvent.objects.filter(action="needs_assessment.read").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"social_level": "LOW", "psychosocial_level": "LOW"}, "economic_level"),
        (
            {
                "economic_level": "LOW",
                "social_level": "LOW",
                "psychosocial_level": "LOW",
                "economic_needs": ["HOUSING"],
            },
            "economic_needs",
        ),
        (
            {
                "economic_level": "LOW",
                "social_level": "LOW",
                "psychosocial_level": "LOW",
                "assessed_on": "2000-01-01",
            },
            "assessed_on",
        ),
    ],
)
def test_needs_refusals_name_the_field(body, field, own):
    response = client_for(own.caseworker).post(url(own.case, "needs/"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not NeedsAssessment.objects.filter(case=own.case).exists()


def test_a_screening_scores_the_answers_and_reading_it_is_audited(own):
    client = client_for(own.caseworker)

    recorded = client.post(
        url(own.case, "screenings/"),
        {"answers": {"NO_INCOME": True, "GBV_RISK": True}},
        format="json",
    )
    listed = client.get(url(own.case, "screenings/"))

    assert recorded.status_code == 201
    assert recorded.json()["score"] == 5
    assert recorded.json()["level"] == "MEDIUM"
    assert listed.json()[0]["answers"]["GBV_RISK"] is True
    screening = VulnerabilityScreening.objects.get(case=own.case)
    assert AuditEvent.objects.filter(
        action="vulnerability_screening.read", target_id=str(screening.pk)
    ).exists()


@pytest.mark.parametrize(
    "answers", [{"NOT_A_CRITERION": True}, {"NO_INCOME": "perhaps"}, ["NO_INCOME"]]
)
def test_screening_refusals_write_nothing(answers, own):
    response = client_for(own.caseworker).post(
        url(own.case, "screenings/"), {"answers": answers}, format="json"
    )

    assert response.status_code == 400
    assert "answers" in response.json()
    assert not VulnerabilityScreening.objects.filter(case=own.case).exists()


def test_cases_of_a_second_programme_are_listed_for_an_admin(own, make_member):
    second = ProgrammeFactory(organisation=own.organisation)
    case = CaseFactory(programme=second, participant__organisation=own.organisation)
    admin = make_member(Role.ADMIN, organisation=own.organisation)

    assert str(case.pk) in ids(client_for(admin).get(LIST))
    assert str(case.pk) not in ids(client_for(own.caseworker).get(LIST))
