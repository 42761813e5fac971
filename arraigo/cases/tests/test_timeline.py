"""The case timeline: which events show, in which order, told in which sentence."""

import datetime
import uuid

import pytest
from django.utils import translation

from arraigo.accounts.models import Role
from arraigo.cases import services
from arraigo.cases.selectors import case_timeline
from arraigo.cases.tests.conftest import NOW, TODAY
from arraigo.cases.tests.factories import CaseFactory, PlanGoalFactory
from arraigo.cases.timeline import GENERIC_SENTENCE, SENTENCES, describe
from arraigo.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _event(case, action, *, at=NOW, actor=None, kind=AuditEvent.Kind.WRITE, changes=None, **kw):
    return AuditEvent.objects.create(
        at=at,
        actor=actor,
        organisation_id=case.organisation_id,
        kind=kind,
        action=action,
        target_type=kw.get("target_type", "cases.case"),
        target_id=kw.get("target_id", str(case.pk)),
        case_id=case.pk,
        data_subject_id=case.participant_id,
        changes=changes,
    )


def _sentences(user, case):
    return [entry.sentence for entry in describe(case_timeline(user=user, case=case))]


def test_newest_first_and_only_this_case(case, caseworker):
    older = _event(case, "case.opened", at=NOW - datetime.timedelta(days=2), actor=caseworker)
    newer = _event(case, "case.activated", at=NOW, actor=caseworker)
    _event(CaseFactory(programme=case.programme), "case.opened", actor=caseworker)

    assert list(case_timeline(user=caseworker, case=case)) == [newer, older]


def test_reads_never_show(case, caseworker):
    _event(case, "case.opened", actor=caseworker)
    _event(case, "case_note.read", kind=AuditEvent.Kind.READ, actor=caseworker)

    assert [e.action for e in case_timeline(user=caseworker, case=case)] == ["case.opened"]


def test_someone_who_cannot_see_the_case_gets_no_timeline(
    case, caseworker, make_member, other_organisation
):
    _event(case, "case.opened", actor=caseworker)
    stranger = make_member(Role.ADMIN, organisation=other_organisation)

    assert not case_timeline(user=stranger, case=case).exists()


def test_the_whole_life_of_a_case_is_told(case, caseworker, manager, psychologist):
    goal = services.plan_goal_add(
        case=case, dimension="ECONOMIC", description="Tener un negocio", by=caseworker, at=NOW
    )
    services.plan_action_add(
        goal=goal,
        description="Curso de panadería",
        responsible=caseworker,
        due_on=TODAY,
        by=caseworker,
        at=NOW + datetime.timedelta(minutes=1),
    )
    services.case_close(
        case=case,
        reason="PLAN_COMPLETED",
        closed_on=TODAY,
        by=manager,
        at=NOW + datetime.timedelta(minutes=2),
    )

    entries = describe(case_timeline(user=caseworker, case=case))

    name, boss = caseworker.get_full_name(), manager.get_full_name()
    sentences = [entry.sentence for entry in entries]
    assert sentences[0] == f"{boss} closed the case: plan completed."
    # Written by one service call at the same instant: either order is right.
    assert set(sentences[1:3]) == {
        f"{name} marked the case as active.",
        f"{name} added an action to the plan.",
    }
    assert sentences[3] == f"{name} added a goal to the plan (economic)."
    details = {entry.action: entry.detail for entry in entries}
    assert details["plan_action.added"] == "Curso de panadería"
    assert details["plan_goal.added"] == "Tener un negocio"


def test_the_assignee_is_named(case, manager, psychologist):
    services.case_assign(case=case, caseworker=psychologist, by=manager, at=NOW)

    assert _sentences(manager, case) == [
        f"{manager.get_full_name()} assigned the case to {psychologist.get_full_name()}."
    ]


def test_a_screening_tells_its_level_and_score(case, caseworker):
    services.vulnerability_screening_record(
        case=case,
        answers={"GBV_RISK": True, "NO_INCOME": True},
        screened_on=TODAY,
        by=caseworker,
        at=NOW,
    )

    assert _sentences(caseworker, case) == [
        f"{caseworker.get_full_name()} screened vulnerability: medium (score 5)."
    ]


def test_restricted_notes_show_only_to_psychosocial_staff(case, caseworker, psychologist):
    services.case_note_add(
        case=case, body="Relato", sensitivity="RESTRICTED", by=psychologist, at=NOW
    )
    services.case_note_add(case=case, body="Cita", sensitivity="STANDARD", by=caseworker, at=NOW)

    assert _sentences(caseworker, case) == [f"{caseworker.get_full_name()} added a note."]
    assert sorted(_sentences(psychologist, case)) == sorted(
        [
            f"{caseworker.get_full_name()} added a note.",
            f"{psychologist.get_full_name()} added a restricted note.",
        ]
    )


def test_referral_events_recorded_with_the_case_show(case, caseworker):
    _event(
        case,
        "referral.sent",
        actor=caseworker,
        target_type="referrals.referral",
        target_id=str(uuid.uuid4()),
    )

    assert _sentences(caseworker, case) == [
        f"{caseworker.get_full_name()} referred the person to a service."
    ]


def test_an_unknown_action_gets_the_generic_sentence(case, caseworker):
    _event(case, "livelihoods.grant_delivered", actor=caseworker)

    [entry] = describe(case_timeline(user=caseworker, case=case))

    assert entry.sentence == (
        f"{caseworker.get_full_name()} made a change (livelihoods.grant_delivered)."
    )
    assert entry.icon == "dot"


def test_an_event_without_actor_is_told_as_the_system(case, caseworker):
    _event(case, "case.reopened", actor=None)

    assert _sentences(caseworker, case) == ["Arraigo reopened the case."]


@pytest.mark.parametrize("action", sorted(SENTENCES))
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_known_sentence_renders_without_changes(case, caseworker, action, language):
    _event(case, action, actor=caseworker, changes=None)

    with translation.override(language):
        [entry] = describe(case_timeline(user=caseworker, case=case))

    assert caseworker.get_full_name() in entry.sentence
    assert "%(" not in entry.sentence
    assert entry.sentence != str(GENERIC_SENTENCE)


def test_the_goal_of_a_deleted_record_leaves_no_detail(case, caseworker):
    goal = PlanGoalFactory(case=case)
    _event(
        case,
        "plan_goal.added",
        actor=caseworker,
        target_type="cases.plangoal",
        target_id=str(goal.pk),
    )
    _event(
        case,
        "plan_goal.added",
        actor=caseworker,
        target_type="cases.plangoal",
        target_id=str(uuid.uuid4()),
        at=NOW - datetime.timedelta(minutes=1),
    )

    first, second = describe(case_timeline(user=caseworker, case=case))

    assert first.detail == goal.description
    assert second.detail == ""
