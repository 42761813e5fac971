"""Who sees and does what in seed capital: role × action × own/other organisation, and an
evaluator who sees only the plans assigned to it, with minimal personal data."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from arraigo.accounts.models import Role
from arraigo.livelihoods import selectors
from arraigo.livelihoods.models import BusinessPlan, DeliveryEvidence, EvaluatorAssignment
from arraigo.livelihoods.permissions import (
    access_application,
    access_assignment,
    access_award,
    access_call,
    access_evidence,
    access_plan,
    access_visit,
    may,
    visible_applications,
    visible_calls,
    visible_plans,
)
from arraigo.livelihoods.tests.conftest import NOW
from arraigo.livelihoods.tests.factories import (
    ApplicationFactory,
    AwardFactory,
    BusinessPlanFactory,
    CallFactory,
)
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role)
CALL_ACTIONS = ["view", "work", "configure", "decide", "indicators"]

# On a call of its own programme: True allowed, False 403, None hidden (404).
CALL_MATRIX = {
    Role.ADMIN: {"view": True, "work": True, "configure": True, "decide": True, "indicators": True},
    Role.MANAGER: {
        "view": True,
        "work": True,
        "configure": True,
        "decide": True,
        "indicators": True,
    },
    Role.CASEWORKER: {
        "view": True,
        "work": True,
        "configure": False,
        "decide": False,
        "indicators": True,
    },
    Role.PSYCHOSOCIAL: {
        "view": True,
        "work": True,
        "configure": False,
        "decide": False,
        "indicators": True,
    },
    Role.MONITORING: {
        "view": False,
        "work": False,
        "configure": False,
        "decide": False,
        "indicators": True,
    },
    Role.VIEWER: {
        "view": False,
        "work": False,
        "configure": False,
        "decide": False,
        "indicators": True,
    },
    Role.EVALUATOR: dict.fromkeys(CALL_ACTIONS),
    Role.PARTNER: dict.fromkeys(CALL_ACTIONS),
}


@pytest.fixture
def call(programme):
    return CallFactory(programme=programme)


@pytest.mark.parametrize("action", CALL_ACTIONS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_call_matrix_in_its_own_programme(role, action, make_member, organisation, programme, call):
    user = make_member(role, organisation=organisation, programmes=[programme])
    expected = CALL_MATRIX[role][action]

    if expected is None:
        with pytest.raises(Http404):
            access_call(user=user, pk=call.pk, action=action)
    elif expected:
        assert access_call(user=user, pk=call.pk, action=action) == call
    else:
        with pytest.raises(PermissionDenied):
            access_call(user=user, pk=call.pk, action=action)


@pytest.mark.parametrize("action", CALL_ACTIONS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_another_organisations_call_answers_404(
    role, action, make_member, other_organisation, call
):
    theirs = ProgrammeFactory(organisation=other_organisation)
    user = make_member(role, organisation=other_organisation, programmes=[theirs])

    assert not visible_calls(user).filter(pk=call.pk).exists()
    with pytest.raises(Http404):
        access_call(user=user, pk=call.pk, action=action)


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL, Role.MONITORING, Role.VIEWER]
)
def test_a_programme_the_user_is_not_in_answers_404(role, make_member, organisation, call):
    elsewhere = ProgrammeFactory(organisation=organisation)
    user = make_member(role, organisation=organisation, programmes=[elsewhere])

    with pytest.raises(Http404):
        access_call(user=user, pk=call.pk, action="indicators")


def test_an_admin_sees_every_call_of_its_organisation(make_member, organisation, call):
    admin = make_member(Role.ADMIN, organisation=organisation)
    other = CallFactory(programme=ProgrammeFactory(organisation=organisation))

    assert set(visible_calls(admin)) == {call, other}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_applications_awards_and_visits_are_for_staff_only(
    role, make_member, organisation, programme, call
):
    application = ApplicationFactory(call=call)
    award = AwardFactory(plan__application__call=call)
    award.first_delivered_on = NOW.date()
    award.save()
    visit = award.visits.create(months_after=3, due_on=NOW.date())
    user = make_member(role, organisation=organisation, programmes=[programme])
    staff = role in {Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL}

    for access, pk in (
        (access_application, application.pk),
        (access_award, award.pk),
        (access_visit, visit.pk),
    ):
        if staff:
            assert access(user=user, pk=pk).pk == pk
        else:
            with pytest.raises(Http404):
                access(user=user, pk=pk)


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.CASEWORKER, "work", True),
        (Role.CASEWORKER, "decide", False),
        (Role.MANAGER, "decide", True),
        (Role.PSYCHOSOCIAL, "decide", False),
        (Role.ADMIN, "decide", True),
    ],
)
def test_plan_actions_by_role(role, action, allowed, make_member, organisation, programme, call):
    plan = BusinessPlanFactory(application__call=call)
    user = make_member(role, organisation=organisation, programmes=[programme])

    if allowed:
        assert access_plan(user=user, pk=plan.pk, action=action) == plan
    else:
        with pytest.raises(PermissionDenied):
            access_plan(user=user, pk=plan.pk, action=action)


def test_staff_of_another_organisation_see_no_application_or_plan(
    make_member, other_organisation, call
):
    application = ApplicationFactory(call=call)
    plan = BusinessPlanFactory(application__call=call)
    user = make_member(Role.ADMIN, organisation=other_organisation)

    assert not visible_applications(user).exists()
    with pytest.raises(Http404):
        access_application(user=user, pk=application.pk)
    with pytest.raises(Http404):
        access_plan(user=user, pk=plan.pk)


# --- Evaluators ---------------------------------------------------------------------------------


@pytest.fixture
def plans(call):
    return [
        BusinessPlanFactory(application__call=call, status=BusinessPlan.Status.SUBMITTED)
        for _ in range(3)
    ]


def _assign(plan, evaluator, manager):
    return EvaluatorAssignment.objects.create(
        plan=plan, evaluator=evaluator, assigned_by=manager, assigned_at=NOW
    )


def test_an_evaluator_sees_only_the_plans_assigned_to_it(plans, evaluators, manager):
    mine = _assign(plans[0], evaluators[0], manager)
    theirs = _assign(plans[1], evaluators[1], manager)
    evaluator = evaluators[0]

    assert list(visible_plans(evaluator)) == [plans[0]]
    assert access_assignment(user=evaluator, pk=mine.pk) == mine
    with pytest.raises(Http404):
        access_assignment(user=evaluator, pk=theirs.pk)
    with pytest.raises(Http404):
        access_plan(user=evaluator, pk=plans[2].pk)
    assert not visible_calls(evaluator).exists()
    assert not visible_applications(evaluator).exists()


def test_an_evaluator_uses_its_own_pages_never_the_staff_ones(plans, evaluators, manager):
    _assign(plans[0], evaluators[0], manager)

    for action in ("view", "work", "decide"):
        with pytest.raises(PermissionDenied):
            access_plan(user=evaluators[0], pk=plans[0].pk, action=action)
    assert may(evaluators[0], "evaluate")
    assert not may(evaluators[0], "decide")


def test_a_draft_plan_stays_hidden_from_its_evaluator(call, evaluators, manager):
    draft = BusinessPlanFactory(application__call=call)
    _assign(draft, evaluators[0], manager)

    assert not visible_plans(evaluators[0]).exists()


def test_an_evaluator_of_another_organisation_sees_nothing(
    plans, manager, make_member, other_organisation
):
    stranger = make_member(Role.EVALUATOR, organisation=other_organisation)
    assignment = _assign(plans[0], stranger, manager)

    with pytest.raises(Http404):
        access_assignment(user=stranger, pk=assignment.pk)


def test_the_evaluator_view_carries_minimal_personal_data(plans, evaluators, manager):
    assignment = _assign(plans[0], evaluators[0], manager)
    person = plans[0].application.participant
    person.phone = "7777-1234"
    person.address = "Colonia El Carmen, pasaje 3"
    person.save()

    view = selectors.plan_for_evaluator(assignment=assignment)

    assert view.first_name == person.given_names.split(" ")[0]
    assert view.sex == "Female"
    assert view.age_band == "35–44"
    assert view.municipality == "La Paz Este"
    assert view.label == plans[0].label
    shown = " ".join(str(value) for value in view.__dict__.values())
    for secret in (person.first_surname, person.reference, person.phone, person.address):
        assert secret not in shown
    assert not hasattr(view, "participant")


def test_delivery_proof_is_visible_only_to_staff_who_see_the_award(
    call, make_member, organisation, other_organisation, programme, manager, evaluators
):
    award = AwardFactory(plan__application__call=call)
    order = award.purchase_orders.create(
        reference="OC-1", supplier="X", issued_on=NOW.date(), issued_by=manager, total=10
    )
    delivery = award.deliveries.create(
        purchase_order=order,
        delivered_on=NOW.date(),
        received_by="X",
        value=10,
        recorded_by=manager,
    )
    evidence = DeliveryEvidence.objects.create(
        delivery=delivery,
        kind="PHOTO",
        file="livelihoods/evidence/x.png",
        content_type="image/png",
        size=10,
        uploaded_by=manager,
        uploaded_at=NOW,
    )
    caseworker = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])

    assert access_evidence(user=caseworker, pk=evidence.pk) == evidence
    for outsider in (
        evaluators[0],
        make_member(Role.MONITORING, organisation=organisation, programmes=[programme]),
        make_member(Role.ADMIN, organisation=other_organisation),
    ):
        with pytest.raises(Http404):
            access_evidence(user=outsider, pk=evidence.pk)


def test_an_unknown_action_is_a_programming_error(manager):
    with pytest.raises(ValueError, match="Unknown seed-capital action"):
        may(manager, "delete")


@pytest.mark.parametrize("pk", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
def test_malformed_or_missing_ids_answer_404(manager, pk):
    for access in (access_call, access_application, access_plan, access_award, access_visit):
        with pytest.raises(Http404):
            access(user=manager, pk=pk)
