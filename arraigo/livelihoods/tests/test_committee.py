"""The committee: conflict declarations, independent scores within the scale, once each,
hidden until one's own is in, at least three before a decision that only management takes."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from arraigo.accounts.models import Role
from arraigo.core.models import AuditEvent
from arraigo.livelihoods import selectors, services
from arraigo.livelihoods.models import BusinessPlan, Evaluation, EvaluationScore
from arraigo.livelihoods.permissions import access_plan
from arraigo.livelihoods.services import Decision, RubricRow
from arraigo.livelihoods.tests.conftest import NOW
from arraigo.livelihoods.tests.factories import BusinessPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(programme):
    return BusinessPlanFactory(
        application__call__programme=programme, status=BusinessPlan.Status.SUBMITTED
    )


def _assign(plan, evaluators, manager, declare=True):
    assignments = []
    for evaluator in evaluators:
        assignment = services.evaluator_assign(plan=plan, evaluator=evaluator, by=manager, at=NOW)
        if declare:
            services.conflict_declare(
                assignment=assignment, has_conflict=False, by=evaluator, at=NOW
            )
        assignments.append(assignment)
    return assignments


def _scores(plan, value_by_code):
    return {c.pk: value_by_code[c.code] for c in plan.application.call.rubric.all()}


ALL_FOUR = dict.fromkeys(("MARKET", "VIABILITY", "EXPERIENCE", "BUDGET", "COMMITMENT", "RISK"), 4)


def _score(assignment, scores, comment=""):
    return services.evaluation_submit(
        assignment=assignment,
        scores=_scores(assignment.plan, scores),
        comment=comment,
        by=assignment.evaluator,
        at=NOW,
    )


# --- Rubric aggregation -------------------------------------------------------------------------


def test_the_weighted_total_is_out_of_100():
    weights = {
        "MARKET": 25,
        "VIABILITY": 20,
        "EXPERIENCE": 20,
        "BUDGET": 15,
        "COMMITMENT": 10,
        "RISK": 10,
    }
    scores = {"MARKET": 5, "VIABILITY": 4, "EXPERIENCE": 3, "BUDGET": 5, "COMMITMENT": 2, "RISK": 0}

    # (25×5 + 20×4 + 20×3 + 15×5 + 10×2 + 10×0) / 5 = 72
    assert services.weighted_total(scores, weights, scale_max=5) == Decimal("72.00")
    assert services.weighted_total(dict.fromkeys(weights, 5), weights, scale_max=5) == Decimal(
        "100.00"
    )
    assert services.weighted_total({"A": 1}, {"A": 3}, scale_max=3) == Decimal("33.33")


def test_an_evaluation_stores_each_criterion_and_the_computed_total(plan, evaluators, manager):
    (assignment,) = _assign(plan, evaluators[:1], manager)

    evaluation = _score(
        assignment,
        {"MARKET": 5, "VIABILITY": 4, "EXPERIENCE": 3, "BUDGET": 5, "COMMITMENT": 2, "RISK": 0},
        comment="Buen mercado.",
    )

    assert evaluation.total == Decimal("72.00")
    assert EvaluationScore.objects.filter(evaluation=evaluation).count() == 6
    event = AuditEvent.objects.get(action="evaluation.submitted")
    assert event.changes["scores"][1]["MARKET"] == 5


def test_the_rubric_is_data_editable_per_call_until_a_plan_is_scored(plan, evaluators, manager):
    call = plan.application.call
    services.rubric_save(
        call=call,
        rows=[
            RubricRow("MARKET", "Mercado", "Market", 60),
            RubricRow("TEAM", "Equipo", "Team", 40),
        ],
        scale_max=10,
        pass_mark=Decimal("70"),
        evaluations_required=3,
        by=manager,
        at=NOW,
    )
    call.refresh_from_db()
    assert dict(call.rubric.values_list("code", "weight")) == {"MARKET": 60, "TEAM": 40}
    assert (call.score_scale_max, call.pass_mark) == (10, Decimal("70"))

    (assignment,) = _assign(plan, evaluators[:1], manager)
    _score(assignment, {"MARKET": 10, "TEAM": 5})
    with pytest.raises(services.RubricLocked):
        services.rubric_save(
            call=call,
            rows=[RubricRow("MARKET", "Mercado", "Market", 100)],
            scale_max=10,
            pass_mark=Decimal("70"),
            evaluations_required=3,
            by=manager,
            at=NOW,
        )


@pytest.mark.parametrize(
    ("rows", "overrides", "message"),
    [
        ([RubricRow("MARKET", "Mercado", "Market", 0)], {}, "from 1 to 100"),
        ([RubricRow("x", "Mercado", "Market", 10)], {}, "capital letters"),
        ([RubricRow("MARKET", "", "Market", 10)], {}, "Spanish and in English"),
        (
            [RubricRow("MARKET", "A", "A", 10), RubricRow("MARKET", "B", "B", 10)],
            {},
            "used twice",
        ),
        ([], {}, "at least one criterion"),
        ([RubricRow("MARKET", "A", "A", 10)], {"evaluations_required": 2}, "at least three"),
        ([RubricRow("MARKET", "A", "A", 10)], {"pass_mark": Decimal("101")}, "out of 100"),
        ([RubricRow("MARKET", "A", "A", 10)], {"scale_max": 0}, "from 1 to 100"),
    ],
)
def test_a_rubric_that_does_not_hold_is_refused(plan, manager, rows, overrides, message):
    call = plan.application.call
    values = {"scale_max": 5, "pass_mark": Decimal("60"), "evaluations_required": 3, **overrides}
    before = list(call.rubric.values_list("code", "weight"))

    with pytest.raises(services.RubricInvalid, match=message):
        services.rubric_save(call=call, rows=rows, by=manager, at=NOW, **values)

    assert list(call.rubric.values_list("code", "weight")) == before


# --- Assignments and conflicts of interest ------------------------------------------------------


def test_only_evaluators_of_the_organisation_are_assigned_once(
    plan, evaluators, manager, caseworker, make_member, other_organisation
):
    stranger = make_member(Role.EVALUATOR, organisation=other_organisation)
    with pytest.raises(services.EvaluatorNotEligible):
        services.evaluator_assign(plan=plan, evaluator=caseworker, by=manager, at=NOW)
    with pytest.raises(services.EvaluatorNotEligible):
        services.evaluator_assign(plan=plan, evaluator=stranger, by=manager, at=NOW)
    services.evaluator_assign(plan=plan, evaluator=evaluators[0], by=manager, at=NOW)
    with pytest.raises(services.AlreadyAssigned):
        services.evaluator_assign(plan=plan, evaluator=evaluators[0], by=manager, at=NOW)


def test_a_draft_plan_is_not_assigned(programme, evaluators, manager):
    draft = BusinessPlanFactory(application__call__programme=programme)
    with pytest.raises(services.PlanNotWithCommittee):
        services.evaluator_assign(plan=draft, evaluator=evaluators[0], by=manager, at=NOW)


def test_scoring_needs_the_conflict_of_interest_declaration_first(plan, evaluators, manager):
    (assignment,) = _assign(plan, evaluators[:1], manager, declare=False)

    with pytest.raises(services.NoConflictDeclaration, match="conflict of interest"):
        _score(assignment, ALL_FOUR)
    assert not Evaluation.objects.exists()


def test_an_evaluator_with_a_conflict_stands_aside(plan, evaluators, manager):
    (assignment,) = _assign(plan, evaluators[:1], manager, declare=False)
    services.conflict_declare(
        assignment=assignment, has_conflict=True, by=assignment.evaluator, at=NOW
    )

    with pytest.raises(services.ConflictOfInterest):
        _score(assignment, ALL_FOUR)
    with pytest.raises(services.ConflictAlreadyDeclared):
        services.conflict_declare(
            assignment=assignment, has_conflict=False, by=assignment.evaluator, at=NOW
        )
    assert AuditEvent.objects.filter(action="evaluator.conflict_declared").exists()


def test_nobody_declares_or_scores_for_another_evaluator(plan, evaluators, manager):
    (assignment,) = _assign(plan, evaluators[:1], manager, declare=False)

    with pytest.raises(services.NotYourAssignment):
        services.conflict_declare(assignment=assignment, has_conflict=False, by=manager, at=NOW)
    services.conflict_declare(
        assignment=assignment, has_conflict=False, by=assignment.evaluator, at=NOW
    )
    with pytest.raises(services.NotYourAssignment):
        services.evaluation_submit(
            assignment=assignment,
            scores=_scores(plan, ALL_FOUR),
            comment="",
            by=evaluators[1],
            at=NOW,
        )


# --- Scores -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [6, -1])
def test_a_score_outside_the_scale_is_refused_at_its_criterion(plan, evaluators, manager, bad):
    (assignment,) = _assign(plan, evaluators[:1], manager)

    with pytest.raises(services.ScoreOutOfScale, match="from 0 to 5") as refused:
        _score(assignment, {**ALL_FOUR, "RISK": bad})

    assert refused.value.field == "score_RISK"
    assert not Evaluation.objects.exists()
    assert not EvaluationScore.objects.exists()


def test_every_criterion_must_be_scored(plan, evaluators, manager):
    (assignment,) = _assign(plan, evaluators[:1], manager)
    scores = _scores(plan, ALL_FOUR)
    scores.pop(next(iter(scores)))

    with pytest.raises(services.ScoresIncomplete):
        services.evaluation_submit(
            assignment=assignment, scores=scores, comment="", by=assignment.evaluator, at=NOW
        )


def test_an_evaluator_scores_once(plan, evaluators, manager):
    (assignment,) = _assign(plan, evaluators[:1], manager)
    _score(assignment, ALL_FOUR)

    with pytest.raises(services.AlreadyScored, match="already submitted"):
        _score(assignment, {**ALL_FOUR, "MARKET": 5})

    assert Evaluation.objects.count() == 1
    assert Evaluation.objects.get().total == Decimal("80.00")


def test_other_scores_stay_hidden_until_ones_own_is_submitted(plan, evaluators, manager):
    first, second, _third = _assign(plan, evaluators[:3], manager)
    _score(first, ALL_FOUR)

    assert selectors.others_evaluations(assignment=second) == []
    _score(second, {**ALL_FOUR, "MARKET": 2})
    seen = selectors.others_evaluations(assignment=second)
    assert [row.evaluation.evaluator for row in seen] == [first.evaluator]
    assert seen[0].scores["MARKET"] == 4


# --- Decision -----------------------------------------------------------------------------------


def _three_scores(plan, evaluators, manager, values=(4, 4, 3)):
    assignments = _assign(plan, evaluators[:3], manager)
    for assignment, value in zip(assignments, values, strict=True):
        _score(assignment, dict.fromkeys(ALL_FOUR, value))
    return assignments


def test_a_plan_needs_three_evaluations_before_a_decision(plan, evaluators, manager):
    for assignment in _assign(plan, evaluators[:2], manager):
        _score(assignment, ALL_FOUR)

    with pytest.raises(services.NotEnoughEvaluations, match="2 of the 3"):
        services.plan_decide(
            plan=plan, decision=Decision("APPROVED", "Buen plan"), by=manager, at=NOW
        )
    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.SUBMITTED


def test_an_evaluator_can_never_decide(plan, evaluators, manager):
    assignments = _three_scores(plan, evaluators, manager)
    evaluator = assignments[0].evaluator

    with pytest.raises(services.NotAllowedToDecide):
        services.plan_decide(
            plan=plan, decision=Decision("APPROVED", "Yo lo apruebo"), by=evaluator, at=NOW
        )
    with pytest.raises(PermissionDenied):
        access_plan(user=evaluator, pk=plan.pk, action="decide")
    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.SUBMITTED


def test_approval_records_the_mean_the_spread_and_the_amount(plan, evaluators, manager):
    _three_scores(plan, evaluators, manager, values=(5, 4, 3))

    services.plan_decide(
        plan=plan, decision=Decision("APPROVED", "Mercado probado"), by=manager, at=NOW
    )

    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.APPROVED
    assert plan.committee_score == Decimal("80.00")  # 100, 80, 60
    assert plan.committee_spread == Decimal("40.00")
    assert plan.approved_amount == plan.grant_requested
    assert plan.decided_by == manager
    view = selectors.committee_view(plan=plan)
    assert view.criterion_spread["MARKET"] == (3, 5)
    assert view.passes


def test_a_plan_below_the_pass_mark_cannot_be_approved_but_can_be_rejected(
    plan, evaluators, manager
):
    _three_scores(plan, evaluators, manager, values=(2, 3, 3))  # 40, 60, 60 → 53.33

    with pytest.raises(services.BelowPassMark, match=re.escape("53.33")):
        services.plan_decide(
            plan=plan, decision=Decision("APPROVED", "Igual me gusta"), by=manager, at=NOW
        )
    services.plan_decide(
        plan=plan, decision=Decision("REJECTED", "Mercado sin demanda"), by=manager, at=NOW
    )
    plan.refresh_from_db()
    assert plan.status == BusinessPlan.Status.REJECTED
    assert plan.approved_amount is None
    assert not selectors.committee_view(plan=plan).passes


def test_approval_with_changes_needs_the_changes_and_may_lower_the_amount(
    plan, evaluators, manager
):
    _three_scores(plan, evaluators, manager)
    with pytest.raises(services.DecisionInvalid) as refused:
        services.plan_decide(
            plan=plan, decision=Decision("APPROVED_WITH_CHANGES", "Bien"), by=manager, at=NOW
        )
    assert refused.value.field == "changes_required"
    with pytest.raises(services.DecisionInvalid) as refused:
        services.plan_decide(
            plan=plan,
            decision=Decision(
                "APPROVED_WITH_CHANGES", "Bien", "Comprar usado", approved_amount=Decimal("5000")
            ),
            by=manager,
            at=NOW,
        )
    assert refused.value.field == "approved_amount"

    services.plan_decide(
        plan=plan,
        decision=Decision(
            "APPROVED_WITH_CHANGES", "Bien", "Comprar usado", approved_amount=Decimal("700")
        ),
        by=manager,
        at=NOW,
    )
    plan.refresh_from_db()
    assert (plan.status, plan.approved_amount) == ("APPROVED_WITH_CHANGES", Decimal("700.00"))


def test_a_decision_needs_a_reason_and_is_taken_once(plan, evaluators, manager):
    _three_scores(plan, evaluators, manager)
    with pytest.raises(services.DecisionInvalid) as refused:
        services.plan_decide(plan=plan, decision=Decision("REJECTED", "  "), by=manager, at=NOW)
    assert refused.value.field == "reason"
    services.plan_decide(plan=plan, decision=Decision("REJECTED", "No"), by=manager, at=NOW)
    with pytest.raises(services.PlanNotWithCommittee):
        services.plan_decide(plan=plan, decision=Decision("APPROVED", "Sí"), by=manager, at=NOW)


def test_a_decided_plan_takes_no_more_scores(plan, evaluators, manager):
    assignments = _assign(plan, evaluators, manager)
    for assignment in assignments[:3]:
        _score(assignment, ALL_FOUR)
    services.plan_decide(plan=plan, decision=Decision("APPROVED", "Sí"), by=manager, at=NOW)

    with pytest.raises(services.PlanNotWithCommittee):
        _score(assignments[3], ALL_FOUR)
