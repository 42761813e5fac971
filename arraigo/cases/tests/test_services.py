"""Each rule of the case services, each refusal, and the audit events they write."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from arraigo.accounts.models import Role
from arraigo.cases import services
from arraigo.cases.models import (
    Case,
    CaseNote,
    Dimension,
    NeedLevel,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
    VulnerabilityCriterion,
    VulnerabilityScreening,
    VulnerabilityThresholds,
)
from arraigo.cases.tests.conftest import NOW, TODAY
from arraigo.cases.tests.factories import (
    CaseFactory,
    CaseNoteFactory,
    PlanActionFactory,
    PlanGoalFactory,
    VulnerabilityCriterionFactory,
)
from arraigo.core.audit import REDACTED
from arraigo.core.models import AuditEvent
from arraigo.people.models import Enrolment
from arraigo.people.tests.factories import EnrolmentFactory, ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def _events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def _raw(model, field, pk):
    """The value stored in the database, before decryption."""
    table = model._meta.db_table
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE id = %s",  # noqa: S608 (names from the model)
            [model._meta.pk.get_db_prep_value(pk, connection)],
        )
        return cursor.fetchone()[0]


def _close(case, by):
    return services.case_close(
        case=case, reason=Case.ClosureReason.PLAN_COMPLETED, closed_on=TODAY, by=by, at=NOW
    )


# --- Opening a case ---------------------------------------------------------------------------


@pytest.fixture
def enrolled(organisation, programme):
    participant = ParticipantFactory(organisation=organisation)
    EnrolmentFactory(participant=participant, programme=programme)
    return participant


def _open(participant, programme, by, **overrides):
    arguments = {
        "participant": participant,
        "programme": programme,
        "intake_channel": Case.IntakeChannel.RECEPTION_CENTRE,
        "intake_summary": "  Amenazas de la pandilla del barrio.  ",
        "assigned_to": by,
        "opened_on": TODAY,
        "by": by,
        "at": NOW,
        **overrides,
    }
    return services.case_open(**arguments)


def test_opening_a_case_records_it_on_the_timeline(enrolled, programme, caseworker):
    case = _open(enrolled, programme, caseworker)

    assert case.status == Case.Status.OPEN
    assert case.organisation_id == enrolled.organisation_id
    assert case.assigned_to == caseworker
    assert case.intake_summary == "Amenazas de la pandilla del barrio."
    event = _events("case.opened").get()
    assert event.case_id == case.pk
    assert event.data_subject_id == enrolled.pk
    assert event.actor == caseworker
    # The intake summary is SENSITIVE: never copied into the audit log.
    assert event.changes["intake_summary"] == [REDACTED, REDACTED]


def test_the_intake_summary_is_stored_encrypted(enrolled, programme, caseworker):
    case = _open(enrolled, programme, caseworker)

    stored = _raw(Case, "intake_summary", case.pk)
    assert "pandilla" not in stored
    assert Case.objects.get(pk=case.pk).intake_summary == "Amenazas de la pandilla del barrio."


def test_opening_a_case_enrols_a_person_not_yet_in_the_programme(
    organisation, programme, caseworker
):
    participant = ParticipantFactory(organisation=organisation)

    _open(participant, programme, caseworker)

    assert Enrolment.objects.filter(participant=participant, programme=programme).exists()
    assert _events("participant.enrolled", data_subject_id=participant.pk).count() == 1


def test_a_second_case_in_the_same_programme_is_refused(enrolled, programme, caseworker):
    _open(enrolled, programme, caseworker)

    with pytest.raises(services.CaseAlreadyOpen) as error:
        _open(enrolled, programme, caseworker)
    assert error.value.field == "programme"
    assert Case.objects.count() == 1


def test_a_closed_case_is_reopened_not_duplicated(enrolled, programme, caseworker, manager):
    _close(_open(enrolled, programme, caseworker), manager)

    with pytest.raises(services.CaseAlreadyOpen):
        _open(enrolled, programme, caseworker)


def test_a_programme_of_another_organisation_is_refused(enrolled, other_organisation, caseworker):
    elsewhere = ProgrammeFactory(organisation=other_organisation)

    with pytest.raises(services.ProgrammeNotRunByOrganisation):
        _open(enrolled, elsewhere, caseworker, assigned_to=None)
    assert not Case.objects.exists()


def test_a_programme_the_organisation_runs_as_partner_is_accepted(
    enrolled, organisation, other_organisation, make_member
):
    shared = ProgrammeFactory(organisation=other_organisation)
    shared.partners.add(organisation)
    worker = make_member(Role.CASEWORKER, organisation=organisation, programmes=[shared])

    case = _open(enrolled, shared, worker)

    assert case.organisation_id == organisation.pk


@pytest.mark.parametrize("who", ["not_assigned", "viewer", "other_organisation", "inactive"])
def test_the_caseworker_must_work_in_the_programme(
    who, enrolled, organisation, other_organisation, programme, caseworker, make_member
):
    candidates = {
        "not_assigned": lambda: make_member(Role.CASEWORKER, organisation=organisation),
        "viewer": lambda: make_member(
            Role.VIEWER, organisation=organisation, programmes=[programme]
        ),
        "other_organisation": lambda: make_member(
            Role.CASEWORKER, organisation=other_organisation, programmes=[programme]
        ),
        "inactive": lambda: make_member(
            Role.CASEWORKER, organisation=organisation, programmes=[programme]
        ),
    }
    candidate = candidates[who]()
    if who == "inactive":
        candidate.is_active = False
        candidate.save()

    with pytest.raises(services.NotACaseworkerOfProgramme) as error:
        _open(enrolled, programme, caseworker, assigned_to=candidate)
    assert error.value.field == "assigned_to"
    assert not Case.objects.exists()


def test_a_case_cannot_open_in_the_future(enrolled, programme, caseworker):
    with pytest.raises(ValidationError) as error:
        _open(enrolled, programme, caseworker, opened_on=TODAY + datetime.timedelta(days=1))
    assert "opened_on" in error.value.message_dict
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(action="case.opened").exists()


# --- Status -----------------------------------------------------------------------------------


def test_activating_an_open_case(case, caseworker):
    services.case_activate(case=case, by=caseworker, at=NOW)

    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE
    assert _events("case.activated", case_id=case.pk).get().changes["status"] == [
        "OPEN",
        "ACTIVE",
    ]
    with pytest.raises(services.CaseAlreadyActive):
        services.case_activate(case=case, by=caseworker, at=NOW)


def test_closing_records_reason_and_date(case, manager):
    services.case_close(
        case=case,
        reason=Case.ClosureReason.MOVED_AWAY,
        closed_on=TODAY - datetime.timedelta(days=2),
        by=manager,
        at=NOW,
    )

    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.closure_reason == Case.ClosureReason.MOVED_AWAY
    assert case.closed_on == TODAY - datetime.timedelta(days=2)
    changes = _events("case.closed", case_id=case.pk).get().changes
    assert changes["closure_reason"] == ["", "MOVED_AWAY"]


@pytest.mark.parametrize(
    ("reason", "closed_on", "field"),
    [
        ("FORGOT", TODAY, "closure_reason"),
        ("PLAN_COMPLETED", TODAY + datetime.timedelta(days=1), "closed_on"),
        ("PLAN_COMPLETED", datetime.date(2026, 3, 1), "closed_on"),  # before it was opened
    ],
)
def test_closing_needs_a_reason_and_a_sensible_date(case, manager, reason, closed_on, field):
    with pytest.raises(ValidationError) as error:
        services.case_close(case=case, reason=reason, closed_on=closed_on, by=manager, at=NOW)
    assert field in error.value.message_dict
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


def test_a_case_is_closed_once(case, manager):
    _close(case, manager)
    with pytest.raises(services.CaseClosed):
        _close(case, manager)


def test_reopening_without_a_plan_gives_an_open_case(case, manager):
    _close(case, manager)

    services.case_reopen(case=case, by=manager, at=NOW)

    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert (case.closed_on, case.closure_reason) == (None, "")
    assert _events("case.reopened", case_id=case.pk).get().changes["closure_reason"] == [
        "PLAN_COMPLETED",
        "",
    ]


def test_reopening_a_case_with_a_plan_makes_it_active(case, manager):
    PlanActionFactory(goal=PlanGoalFactory(case=case))
    _close(case, manager)

    services.case_reopen(case=case, by=manager, at=NOW)

    assert case.status == Case.Status.ACTIVE


def test_only_a_closed_case_is_reopened(case, manager):
    with pytest.raises(services.CaseNotClosed):
        services.case_reopen(case=case, by=manager, at=NOW)


# --- Assignment -------------------------------------------------------------------------------


def test_assigning_another_caseworker(case, manager, make_member, organisation, programme):
    colleague = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])

    services.case_assign(case=case, caseworker=colleague, by=manager, at=NOW)

    case.refresh_from_db()
    assert case.assigned_to == colleague
    event = _events("case.assigned", case_id=case.pk).get()
    assert event.changes["assigned_to_id"][1] == str(colleague.pk)


def test_unassigning(case, manager):
    services.case_assign(case=case, caseworker=None, by=manager, at=NOW)

    assert Case.objects.get(pk=case.pk).assigned_to is None
    assert _events("case.unassigned", case_id=case.pk).exists()


def test_assigning_the_same_caseworker_is_refused(case, manager, caseworker):
    with pytest.raises(services.CaseAlreadyAssigned):
        services.case_assign(case=case, caseworker=caseworker, by=manager, at=NOW)


def test_assigning_someone_outside_the_programme_is_refused(
    case, manager, make_member, organisation
):
    outsider = make_member(Role.CASEWORKER, organisation=organisation)

    with pytest.raises(services.NotACaseworkerOfProgramme):
        services.case_assign(case=case, caseworker=outsider, by=manager, at=NOW)
    assert Case.objects.get(pk=case.pk).assigned_to_id != outsider.pk


def test_a_closed_case_is_not_reassigned(case, manager, psychologist):
    _close(case, manager)
    with pytest.raises(services.CaseClosed):
        services.case_assign(case=case, caseworker=psychologist, by=manager, at=NOW)


# --- Closed cases take nothing new ------------------------------------------------------------


def test_a_closed_case_takes_no_new_plan_action_note_or_assessment(case, manager, caseworker):
    goal = PlanGoalFactory(case=case)
    action = PlanActionFactory(goal=goal, responsible=caseworker)
    _close(case, manager)

    with pytest.raises(services.CaseClosed):
        services.plan_action_add(
            goal=goal,
            description="Otra",
            responsible=caseworker,
            due_on=TODAY,
            by=caseworker,
            at=NOW,
        )
    with pytest.raises(services.CaseClosed):
        services.case_note_add(
            case=case, body="Nota", sensitivity="STANDARD", by=caseworker, at=NOW
        )
    with pytest.raises(services.CaseClosed):
        services.plan_goal_add(
            case=case, dimension=Dimension.SOCIAL, description="Meta", by=caseworker, at=NOW
        )
    with pytest.raises(services.CaseClosed):
        services.plan_action_set_status(action=action, status="DONE", by=caseworker, at=NOW)
    with pytest.raises(services.CaseClosed):
        services.needs_assessment_record(case=case, details=_needs(), by=caseworker, at=NOW)
    with pytest.raises(services.CaseClosed):
        services.vulnerability_screening_record(
            case=case, answers={}, screened_on=TODAY, by=caseworker, at=NOW
        )
    assert PlanAction.objects.count() == 1
    assert not CaseNote.objects.exists()

    services.case_reopen(case=case, by=manager, at=NOW)
    services.case_note_add(case=case, body="Nota", sensitivity="STANDARD", by=caseworker, at=NOW)
    assert CaseNote.objects.count() == 1


# --- Needs ------------------------------------------------------------------------------------


def _needs(**overrides):
    values = {
        "assessed_on": TODAY,
        "economic_level": NeedLevel.HIGH,
        "social_level": NeedLevel.LOW,
        "psychosocial_level": NeedLevel.MEDIUM,
        "economic_needs": ["EMPLOYMENT", "DEBTS", "EMPLOYMENT"],
        "social_needs": ["DOCUMENTS"],
        "psychosocial_needs": ["TRAUMA"],
        "economic_notes": "Debe 3000 dólares del viaje.",
        "psychosocial_notes": "Pesadillas desde la detención.",
        **overrides,
    }
    return services.NeedsDetails(**values)


def test_recording_a_needs_assessment(case, caseworker):
    assessment = services.needs_assessment_record(
        case=case, details=_needs(), by=caseworker, at=NOW
    )

    stored = NeedsAssessment.objects.get(pk=assessment.pk)
    assert stored.economic_needs == ["DEBTS", "EMPLOYMENT"]
    assert stored.psychosocial_needs == ["TRAUMA"]
    assert stored.psychosocial_notes == "Pesadillas desde la detención."
    assert stored.assessed_by == caseworker
    changes = _events("needs_assessment.recorded", case_id=case.pk).get().changes
    assert changes["psychosocial_notes"] == [REDACTED, REDACTED]
    assert changes["psychosocial_needs"] == [REDACTED, REDACTED]
    assert changes["economic_level"] == [None, "HIGH"]


def test_psychosocial_content_is_stored_encrypted(case, caseworker):
    assessment = services.needs_assessment_record(
        case=case, details=_needs(), by=caseworker, at=NOW
    )

    assert "Pesadillas" not in _raw(NeedsAssessment, "psychosocial_notes", assessment.pk)
    assert "TRAUMA" not in _raw(NeedsAssessment, "psychosocial_needs", assessment.pk)


def test_assessments_accumulate_over_time(case, caseworker):
    services.needs_assessment_record(case=case, details=_needs(), by=caseworker, at=NOW)
    services.needs_assessment_record(
        case=case, details=_needs(economic_level=NeedLevel.LOW), by=caseworker, at=NOW
    )

    assert case.needs_assessments.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"economic_needs": ["TRAUMA"]}, "economic_needs"),  # a need of another dimension
        ({"social_level": "VERY_HIGH"}, "social_level"),
        ({"assessed_on": TODAY + datetime.timedelta(days=1)}, "assessed_on"),
        ({"assessed_on": datetime.date(2026, 1, 1)}, "assessed_on"),
    ],
)
def test_a_needs_assessment_must_hold(case, caseworker, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.needs_assessment_record(
            case=case, details=_needs(**overrides), by=caseworker, at=NOW
        )
    assert field in error.value.message_dict
    assert not NeedsAssessment.objects.exists()


# --- Vulnerability ----------------------------------------------------------------------------


def test_a_programme_without_criteria_gets_the_default_set(programme, manager):
    created = services.vulnerability_criteria_ensure_defaults(
        programme=programme, by=manager, at=NOW
    )

    codes = set(programme.vulnerability_criteria.values_list("code", flat=True))
    assert created == 9
    assert {"WOMAN_HEAD_OF_HOUSEHOLD", "GBV_RISK", "RECENTLY_RETURNED", "NO_HOUSING"} <= codes
    thresholds = VulnerabilityThresholds.objects.get(programme=programme)
    assert (thresholds.medium_from, thresholds.high_from) == (4, 8)
    assert _events("vulnerability_criterion.added").count() == 9
    assert (
        services.vulnerability_criteria_ensure_defaults(programme=programme, by=manager, at=NOW)
        == 0
    )
    assert programme.vulnerability_criteria.count() == 9


def test_criteria_the_managers_retired_are_not_replaced(programme, manager):
    VulnerabilityCriterionFactory(programme=programme, is_active=False)

    created = services.vulnerability_criteria_ensure_defaults(
        programme=programme, by=manager, at=NOW
    )

    assert created == 0
    assert programme.vulnerability_criteria.count() == 1


@pytest.fixture
def criteria(programme):
    VulnerabilityThresholds.objects.create(programme=programme, medium_from=3, high_from=6)
    return {
        code: VulnerabilityCriterionFactory(programme=programme, code=code, weight=weight)
        for code, weight in (("NO_INCOME", 2), ("GBV_RISK", 4), ("NO_HOUSING", 1))
    }


@pytest.mark.parametrize(
    ("yes", "score", "level"),
    [
        ([], 0, "LOW"),
        (["NO_INCOME"], 2, "LOW"),
        (["NO_INCOME", "NO_HOUSING"], 3, "MEDIUM"),
        (["NO_INCOME", "GBV_RISK"], 6, "HIGH"),
    ],
)
def test_screening_scores_and_levels(case, caseworker, criteria, yes, score, level):
    screening = services.vulnerability_screening_record(
        case=case, answers=dict.fromkeys(yes, True), screened_on=TODAY, by=caseworker, at=NOW
    )

    assert (screening.score, screening.level) == (score, level)
    stored = VulnerabilityScreening.objects.get(pk=screening.pk)
    assert stored.answers == {code: code in yes for code in criteria}
    assert stored.weights == {"NO_INCOME": 2, "GBV_RISK": 4, "NO_HOUSING": 1}


def test_screening_answers_are_encrypted_and_not_in_the_audit_log(case, caseworker, criteria):
    screening = services.vulnerability_screening_record(
        case=case, answers={"GBV_RISK": True}, screened_on=TODAY, by=caseworker, at=NOW
    )

    assert "GBV_RISK" not in _raw(VulnerabilityScreening, "answers", screening.pk)
    changes = _events("vulnerability_screening.recorded", case_id=case.pk).get().changes
    assert changes["answers"] == [REDACTED, REDACTED]
    assert changes["level"] == [None, "MEDIUM"]


def test_a_screening_keeps_its_score_when_weights_change(case, caseworker, manager, criteria):
    screening = services.vulnerability_screening_record(
        case=case, answers={"GBV_RISK": True}, screened_on=TODAY, by=caseworker, at=NOW
    )
    criteria["GBV_RISK"].weight = 10
    criteria["GBV_RISK"].save()

    assert VulnerabilityScreening.objects.get(pk=screening.pk).score == 4


def test_answers_to_unknown_or_retired_criteria_are_refused(case, caseworker, criteria):
    criteria["NO_HOUSING"].is_active = False
    criteria["NO_HOUSING"].save()

    with pytest.raises(ValidationError):
        services.vulnerability_screening_record(
            case=case, answers={"NO_HOUSING": True}, screened_on=TODAY, by=caseworker, at=NOW
        )
    assert not VulnerabilityScreening.objects.exists()


def test_screening_without_criteria_in_use_is_refused(case, caseworker):
    VulnerabilityCriterionFactory(programme=case.programme, is_active=False)

    with pytest.raises(services.NoVulnerabilityCriteria):
        services.vulnerability_screening_record(
            case=case, answers={}, screened_on=TODAY, by=caseworker, at=NOW
        )


def test_screening_a_programme_for_the_first_time_uses_the_default_set(case, caseworker):
    screening = services.vulnerability_screening_record(
        case=case,
        answers={"GBV_RISK": True, "NO_INCOME": True},
        screened_on=TODAY,
        by=caseworker,
        at=NOW,
    )

    assert (screening.score, screening.level) == (5, "MEDIUM")


def _row(criterion, **changes):
    values = {
        "code": criterion.code,
        "label_es": criterion.label_es,
        "label_en": criterion.label_en,
        "weight": criterion.weight,
        "order": criterion.order,
        "is_active": criterion.is_active,
        **changes,
    }
    return services.CriterionDetails(**values)


def test_managers_change_weights_add_criteria_and_move_thresholds(programme, manager, criteria):
    rows = [
        _row(criteria["NO_INCOME"], weight=3),
        _row(criteria["GBV_RISK"]),
        _row(criteria["NO_HOUSING"], is_active=False),
        services.CriterionDetails(
            code=" single_parent ",
            label_es="Madre o padre solo",
            label_en="Single parent",
            weight=2,
            order=40,
        ),
    ]

    services.vulnerability_criteria_save(
        programme=programme, rows=rows, medium_from=4, high_from=9, by=manager, at=NOW
    )

    weights = dict(programme.vulnerability_criteria.values_list("code", "weight"))
    assert weights == {"NO_INCOME": 3, "GBV_RISK": 4, "NO_HOUSING": 1, "SINGLE_PARENT": 2}
    assert not VulnerabilityCriterion.objects.get(code="NO_HOUSING").is_active
    assert _events("vulnerability_criterion.changed").count() == 2
    assert _events("vulnerability_criterion.added").count() == 1
    assert _events("vulnerability_thresholds.changed").get().changes["high_from"] == [6, 9]


@pytest.mark.parametrize(
    ("rows", "medium_from", "high_from"),
    [
        ([services.CriterionDetails("X", "x", "x", 1)], 3, 6),  # code too short
        ([services.CriterionDetails("NO_INCOME", "", "No income", 1)], 3, 6),
        ([services.CriterionDetails("NO_INCOME", "Sin", "No", 101)], 3, 6),
        (
            [
                services.CriterionDetails("NEW_ONE", "a", "a", 1),
                services.CriterionDetails("new_one", "b", "b", 1),
            ],
            3,
            6,
        ),
        ([], 5, 5),
        ([], 0, 5),
    ],
)
def test_criteria_that_do_not_hold_change_nothing(
    programme, manager, criteria, rows, medium_from, high_from
):
    with pytest.raises(services.CriteriaInvalid):
        services.vulnerability_criteria_save(
            programme=programme,
            rows=rows,
            medium_from=medium_from,
            high_from=high_from,
            by=manager,
            at=NOW,
        )
    assert programme.vulnerability_criteria.count() == 3
    assert VulnerabilityThresholds.objects.get(programme=programme).high_from == 6


# --- Plan -------------------------------------------------------------------------------------


def test_adding_a_goal(case, caseworker):
    goal = services.plan_goal_add(
        case=case, dimension=Dimension.SOCIAL, description=" Sacar el DUI ", by=caseworker, at=NOW
    )

    assert (goal.dimension, goal.description) == ("SOCIAL", "Sacar el DUI")
    assert _events("plan_goal.added", case_id=case.pk).get().target_id == str(goal.pk)


@pytest.mark.parametrize(
    ("dimension", "description", "field"),
    [
        ("SPIRITUAL", "Meta", "dimension"),
        ("SOCIAL", "   ", "description"),
        ("SOCIAL", "x" * 501, "description"),
    ],
)
def test_a_goal_needs_a_dimension_and_a_description(
    case, caseworker, dimension, description, field
):
    with pytest.raises(ValidationError) as error:
        services.plan_goal_add(
            case=case, dimension=dimension, description=description, by=caseworker, at=NOW
        )
    assert field in error.value.message_dict
    assert not PlanGoal.objects.exists()


def test_the_first_action_makes_an_open_case_active(case, caseworker):
    goal = PlanGoalFactory(case=case)

    action = services.plan_action_add(
        goal=goal,
        description="Ir al curso",
        responsible=caseworker,
        due_on=TODAY + datetime.timedelta(days=10),
        by=caseworker,
        at=NOW,
    )

    assert action.case == case
    assert action.status == PlanAction.Status.PENDING
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE
    assert _events("plan_action.added", case_id=case.pk).exists()
    assert _events("case.activated", case_id=case.pk).exists()


def test_an_action_needs_a_responsible_of_the_programme(
    case, caseworker, make_member, organisation
):
    outsider = make_member(Role.CASEWORKER, organisation=organisation)

    with pytest.raises(services.NotACaseworkerOfProgramme) as error:
        services.plan_action_add(
            goal=PlanGoalFactory(case=case),
            description="Ir",
            responsible=outsider,
            due_on=TODAY,
            by=caseworker,
            at=NOW,
        )
    assert error.value.field == "responsible"
    assert not PlanAction.objects.exists()


def test_an_action_cannot_be_due_before_the_case_opened(case, caseworker):
    with pytest.raises(ValidationError) as error:
        services.plan_action_add(
            goal=PlanGoalFactory(case=case),
            description="Ir",
            responsible=caseworker,
            due_on=datetime.date(2026, 1, 1),
            by=caseworker,
            at=NOW,
        )
    assert "due_on" in error.value.message_dict


@pytest.fixture
def action(case, caseworker):
    return PlanActionFactory(goal=PlanGoalFactory(case=case), responsible=caseworker)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("DONE", "plan_action.done"),
        ("IN_PROGRESS", "plan_action.started"),
        ("CANCELLED", "plan_action.cancelled"),
    ],
)
def test_moving_an_action_on(action, caseworker, status, code):
    services.plan_action_set_status(action=action, status=status, by=caseworker, at=NOW)

    action.refresh_from_db()
    assert action.status == status
    assert action.completed_on == (TODAY if status == "DONE" else None)
    assert _events(code, target_id=str(action.pk)).get().case_id == action.case_id


def test_a_done_action_can_go_back_to_pending(action, caseworker):
    services.plan_action_set_status(action=action, status="DONE", by=caseworker, at=NOW)
    services.plan_action_set_status(action=action, status="PENDING", by=caseworker, at=NOW)

    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("PENDING", None)
    assert _events("plan_action.reopened").exists()


def test_the_same_status_twice_is_refused(action, caseworker):
    with pytest.raises(services.PlanActionUnchanged):
        services.plan_action_set_status(action=action, status="PENDING", by=caseworker, at=NOW)
    with pytest.raises(ValidationError):
        services.plan_action_set_status(action=action, status="LATER", by=caseworker, at=NOW)


def test_changing_an_action(action, caseworker, psychologist):
    services.plan_action_update(
        action=action,
        description="Curso de electricidad",
        responsible=psychologist,
        due_on=TODAY,
        by=caseworker,
        at=NOW,
    )

    action.refresh_from_db()
    assert (action.description, action.responsible, action.due_on) == (
        "Curso de electricidad",
        psychologist,
        TODAY,
    )
    changes = _events("plan_action.updated").get().changes
    assert set(changes) == {"description", "responsible_id", "due_on"}


def test_saving_an_unchanged_action_writes_no_event(action, caseworker):
    services.plan_action_update(
        action=action,
        description=action.description,
        responsible=action.responsible,
        due_on=action.due_on,
        by=caseworker,
        at=NOW,
    )

    assert not _events("plan_action.updated").exists()


# --- Notes ------------------------------------------------------------------------------------


def test_a_standard_note_is_encrypted_and_kept_out_of_the_audit_log(case, caseworker):
    note = services.case_note_add(
        case=case,
        body=" Consiguió cita en el ISSS. ",
        sensitivity="STANDARD",
        by=caseworker,
        at=NOW,
    )

    assert CaseNote.objects.get(pk=note.pk).body == "Consiguió cita en el ISSS."
    assert "ISSS" not in _raw(CaseNote, "body", note.pk)
    event = _events("case_note.added", case_id=case.pk).get()
    assert event.changes["body"] == [REDACTED, REDACTED]
    assert note.written_at == NOW


def test_only_psychosocial_staff_write_restricted_notes(case, caseworker, manager, psychologist):
    for someone in (caseworker, manager):
        with pytest.raises(services.RestrictedNoteNotAllowed) as error:
            services.case_note_add(
                case=case, body="Relato", sensitivity="RESTRICTED", by=someone, at=NOW
            )
        assert error.value.field == "sensitivity"
    assert not CaseNote.objects.exists()

    note = services.case_note_add(
        case=case, body="Relato", sensitivity="RESTRICTED", by=psychologist, at=NOW
    )
    assert note.is_restricted


@pytest.mark.parametrize(
    ("body", "sensitivity", "field"),
    [
        ("   ", "STANDARD", "body"),
        ("x" * 10_001, "STANDARD", "body"),
        ("Hola", "SECRET", "sensitivity"),
    ],
)
def test_a_note_must_hold(case, caseworker, body, sensitivity, field):
    with pytest.raises(ValidationError) as error:
        services.case_note_add(case=case, body=body, sensitivity=sensitivity, by=caseworker, at=NOW)
    assert field in error.value.message_dict
    assert not CaseNote.objects.exists()


def test_reads_of_restricted_notes_are_audited(case, psychologist):
    notes = [
        CaseNoteFactory(case=case, sensitivity="RESTRICTED"),
        CaseNoteFactory(case=case, sensitivity="RESTRICTED"),
    ]

    count = services.sensitive_reads_record(targets=notes, by=psychologist, at=NOW)

    reads = AuditEvent.objects.filter(action="case_note.read", kind=AuditEvent.Kind.READ)
    assert count == 2
    assert {event.target_id for event in reads} == {str(note.pk) for note in notes}
    assert all(event.case_id == case.pk and event.actor == psychologist for event in reads)


def test_reads_are_grouped_by_kind_of_record(case, caseworker):
    count = services.sensitive_reads_record(
        targets=[case, CaseNoteFactory(case=case)], by=caseworker, at=NOW
    )

    assert count == 2
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "case.intake_read",
        "case_note.read",
    }


def test_every_audit_event_of_a_case_lands_on_it(case, caseworker, psychologist, manager):
    goal = services.plan_goal_add(
        case=case, dimension="ECONOMIC", description="Empleo", by=caseworker, at=NOW
    )
    services.plan_action_add(
        goal=goal, description="CV", responsible=caseworker, due_on=TODAY, by=caseworker, at=NOW
    )
    services.case_note_add(case=case, body="N", sensitivity="RESTRICTED", by=psychologist, at=NOW)
    services.needs_assessment_record(case=case, details=_needs(), by=caseworker, at=NOW)
    services.vulnerability_screening_record(
        case=case, answers={}, screened_on=TODAY, by=caseworker, at=NOW
    )
    _close(case, manager)

    case_events = AuditEvent.objects.filter(
        action__regex=r"^(case|plan_goal|plan_action|case_note|needs_assessment|vulnerability_screening)\."
    )
    assert case_events.count() == 7
    assert set(case_events.values_list("case_id", flat=True)) == {case.pk}
    assert set(case_events.values_list("data_subject_id", flat=True)) == {case.participant_id}
    assert set(case_events.values_list("organisation_id", flat=True)) == {case.organisation_id}


def test_nothing_personal_in_str(case):
    note = CaseNoteFactory(case=case, body="Nombre secreto")
    goal = PlanGoalFactory(case=case, description="Meta privada")

    assert str(case) == str(case.pk)
    assert "secreto" not in str(note)
    assert "privada" not in str(goal)
    assert case.participant.given_names not in str(case)


def test_a_case_for_another_participant_in_the_same_programme_is_independent(
    organisation, programme, caseworker
):
    first = CaseFactory(programme=programme)
    second = CaseFactory(programme=programme)

    assert first.participant_id != second.participant_id
    assert Case.objects.filter(programme=programme).count() == 2
