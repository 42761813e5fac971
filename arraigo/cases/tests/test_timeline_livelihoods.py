"""The case timeline tells a person's seed capital and what happened to duplicate records.

Seed capital: the application and its eligibility, the selection, the business plan and its
decision, the committee (never naming its members), the award, deliveries and follow-up
visits. Duplicates: records merged and merges undone, registrations kept despite possible
duplicates. Whoever cannot see the case sees none of it.
"""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import translation

from arraigo.accounts.models import Role
from arraigo.cases.selectors import case_timeline
from arraigo.cases.tests.conftest import NOW, TODAY
from arraigo.cases.tests.factories import CaseFactory
from arraigo.cases.timeline import (
    COMMITTEE_SENTENCES,
    OUTCOMES,
    PERSON_ACTIONS,
    SENTENCES,
    WITH_VALUES,
    describe,
)
from arraigo.core.models import AuditEvent
from arraigo.dedup import services as dedup_services
from arraigo.livelihoods import services as livelihoods_services
from arraigo.livelihoods.tests.factories import (
    ApplicationFactory,
    ApprovedPlanFactory,
    AwardFactory,
    CallFactory,
)
from arraigo.people.tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

SEED_CAPITAL_PREFIXES = (
    "seed_capital_application.",
    "business_plan.",
    "evaluator.",
    "evaluation.",
    "award.",
    "tranche.",
    "purchase_order.",
    "delivery.",
    "delivery_evidence.",
    "own_contribution.",
    "follow_up_visit.",
)


def _event(case, action, *, actor=None, changes=None, target=None, on_case=True, at=NOW):
    """An audit event as a service writes it: about *target*, on the case or on the person."""
    return AuditEvent.objects.create(
        at=at,
        actor=actor,
        organisation_id=case.organisation_id,
        kind=AuditEvent.Kind.WRITE,
        action=action,
        target_type=target._meta.label_lower if target is not None else "cases.case",
        target_id=str(target.pk) if target is not None else str(case.pk),
        case_id=case.pk if on_case else None,
        data_subject_id=case.participant_id,
        changes=changes,
    )


def _entries(user, case):
    return describe(case_timeline(user=user, case=case))


def _sentences(user, case):
    return [entry.sentence for entry in _entries(user, case)]


@pytest.fixture
def call(case, manager):
    """An open call of the case's programme, taking applications on TODAY."""
    return CallFactory(
        programme=case.programme,
        created_by=manager,
        opens_on=TODAY - datetime.timedelta(days=1),
        closes_on=TODAY + datetime.timedelta(days=30),
    )


@pytest.fixture
def plan(case, call):
    """The person's approved business plan in the call."""
    application = ApplicationFactory(
        call=call, participant=case.participant, status="SELECTED", rank=1
    )
    return ApprovedPlanFactory(application=application)


def test_an_application_its_ranking_and_selection_are_told_with_the_call(
    case, caseworker, manager, call
):
    livelihoods_services.application_submit(
        call=call, participant=case.participant, by=caseworker, at=NOW
    )
    livelihoods_services.ranking_compute(
        call=call, by=manager, at=NOW + datetime.timedelta(minutes=1)
    )
    livelihoods_services.selection_approve(
        call=call, by=manager, at=NOW + datetime.timedelta(minutes=2)
    )

    entries = _entries(caseworker, case)

    name, boss = caseworker.get_full_name(), manager.get_full_name()
    assert [entry.sentence for entry in entries] == [
        f"{boss} approved the selection: the person was selected for seed capital.",
        f"{boss} ranked the applicants to seed capital: the person is no. 1.",
        f"{name} applied for seed capital for the person: eligible.",
    ]
    assert {entry.detail for entry in entries} == {call.title}
    assert {entry.icon for entry in entries} == {"shop"}


@pytest.mark.parametrize(
    ("action", "field", "value", "told"),
    [
        ("seed_capital_application.submitted", "status", "INELIGIBLE", "not eligible."),
        ("seed_capital_application.selection_decided", "status", "WAITING", "waiting list."),
        ("seed_capital_application.selection_decided", "status", "NOT_SELECTED", "not selected."),
        ("business_plan.decided", "status", "APPROVED", "approved the business plan."),
        ("business_plan.decided", "status", "APPROVED_WITH_CHANGES", "plan with changes."),
        ("business_plan.decided", "status", "REJECTED", "rejected the business plan."),
        ("follow_up_visit.recorded", "operating", True, "it is operating."),
        ("follow_up_visit.recorded", "operating", False, "it is not operating."),
    ],
)
def test_what_was_decided_is_told(case, manager, action, field, value, told):
    _event(case, action, actor=manager, changes={field: [None, value]})

    [sentence] = _sentences(manager, case)

    assert sentence.startswith(manager.get_full_name())
    assert sentence.endswith(told)


def test_a_plan_and_what_follows_it_are_told_with_the_business(case, caseworker, manager, plan):
    award = livelihoods_services.award_create(
        plan=plan, amount=Decimal("900.00"), awarded_on=TODAY, by=manager, at=NOW
    )
    _event(
        case,
        "follow_up_visit.scheduled",
        actor=caseworker,
        target=award,
        changes={"months_after": [None, 6], "due_on": [None, "2026-10-01"]},
        at=NOW + datetime.timedelta(minutes=1),
    )

    visit, made = _entries(caseworker, case)

    assert made.sentence == (
        f"{manager.get_full_name()} awarded 900.00 USD of seed capital for the business plan."
    )
    assert made.detail == plan.business_name
    assert made.icon == "cash-coin"
    assert visit.sentence == (
        f"{caseworker.get_full_name()} scheduled the 6-month follow-up visit, due 01/10/2026."
    )


def test_the_committee_is_told_without_naming_its_members_or_their_scores(
    case, caseworker, manager, plan, make_member, organisation
):
    evaluator = make_member(Role.EVALUATOR, organisation=organisation)
    _event(case, "evaluator.assigned", actor=manager, target=plan)
    _event(case, "evaluator.no_conflict_declared", actor=evaluator, target=plan)
    _event(
        case,
        "evaluation.submitted",
        actor=evaluator,
        target=plan,
        changes={"total": [None, "87.50"], "scores": [None, {"MARKET": 5}]},
    )

    for reader in (caseworker, manager):
        entries = _entries(reader, case)
        told = " ".join(f"{entry.sentence} {entry.detail}" for entry in entries)
        assert evaluator.get_full_name() not in told
        assert evaluator.email not in told
        assert "87" not in told
        assert sorted(entry.sentence for entry in entries) == sorted(
            [
                "A member of the committee scored the business plan.",
                "A member of the committee declared no conflict of interest with the business "
                "plan.",
                f"{manager.get_full_name()} asked a member of the committee to score the business "
                "plan.",
            ]
        )


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.PARTNER, Role.MONITORING, Role.VIEWER])
def test_who_cannot_see_the_case_learns_nothing_of_its_seed_capital(
    case, caseworker, plan, make_member, organisation, programme, role
):
    _event(case, "business_plan.submitted", actor=caseworker, target=plan)
    _event(case, "duplicate_decision.new_person", actor=caseworker, on_case=False)
    reader = make_member(role, organisation=organisation, programmes=[programme])

    assert not case_timeline(user=reader, case=case).exists()
    assert _entries(reader, case) == []


def test_another_organisations_staff_learn_nothing_either(
    case, caseworker, plan, make_member, other_organisation
):
    _event(case, "business_plan.submitted", actor=caseworker, target=plan)
    stranger = make_member(Role.ADMIN, organisation=other_organisation)

    assert _entries(stranger, case) == []


def test_a_registration_kept_despite_possible_duplicates_shows_on_the_persons_cases(
    case, caseworker
):
    _event(case, "duplicate_decision.new_person", actor=caseworker, on_case=False)
    _event(case, "participant.updated", actor=caseworker, on_case=False)
    someone_else = CaseFactory(programme=case.programme)
    _event(someone_else, "duplicate_decision.new_person", actor=caseworker, on_case=False)

    assert _sentences(caseworker, case) == [
        f"{caseworker.get_full_name()} registered the person as new, despite possible "
        "duplicates shown."
    ]


def test_a_merge_and_its_undoing_are_told_on_the_case_that_moved(case, caseworker, manager):
    merged = case.participant
    kept = ParticipantFactory(organisation=case.organisation)
    boss = manager.get_full_name()
    merged_into_kept = [
        f"{boss} merged the duplicate record {merged.reference} of the person: the case moved "
        "with it.",
        f"{boss} merged the duplicate record {merged.reference} into this person's record.",
    ]

    merge = dedup_services.merge_participants(survivor=kept, merged=merged, by=manager, at=NOW)
    case.refresh_from_db()
    assert case.participant_id == kept.pk

    # Written by one service call at the same instant: either order is right.
    assert sorted(_sentences(caseworker, case)) == sorted(merged_into_kept)

    dedup_services.merge_undo(merge=merge, by=manager, at=NOW + datetime.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.participant_id == merged.pk

    after_undo = _sentences(caseworker, case)
    assert sorted(after_undo[:2]) == sorted(
        [
            f"{boss} undid the merge of this person's record into {kept.reference}: it is "
            "separate again.",
            f"{boss} undid the merge with {kept.reference}: the case went back to the record it "
            "came from.",
        ]
    )
    # The record kept is no longer this person's: its own events leave the case.
    assert sorted(after_undo[2:]) == sorted(
        [
            merged_into_kept[0],
            f"{boss} merged this person's record into {kept.reference}, the record kept.",
        ]
    )


def test_an_award_moved_by_a_merge_names_what_moved(case, manager, plan):
    award = AwardFactory(plan=plan)
    other = ParticipantFactory(organisation=case.organisation)
    _event(
        case,
        "record.moved_by_merge",
        actor=manager,
        target=award,
        changes={"participant_id": [str(other.pk), str(case.participant_id)]},
    )

    [entry] = _entries(manager, case)

    assert entry.sentence == (
        f"{manager.get_full_name()} merged the duplicate record {other.reference} of the person: "
        "the award moved with it."
    )
    assert entry.detail == plan.business_name


NEW_ACTIONS = sorted(
    {
        action
        for action in SENTENCES
        if action.startswith(SEED_CAPITAL_PREFIXES) or action in PERSON_ACTIONS
    }
    | {"record.moved_by_merge", "record.moved_back_by_unmerge"}
    | set(COMMITTEE_SENTENCES)
)


def test_every_seed_capital_and_duplicate_event_has_its_own_sentence():
    for action in NEW_ACTIONS:
        assert action in SENTENCES or action in COMMITTEE_SENTENCES, action
    assert set(OUTCOMES) <= set(SENTENCES)
    assert set(WITH_VALUES) <= set(SENTENCES)


@pytest.mark.parametrize("action", NEW_ACTIONS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_new_sentence_renders_without_changes(case, manager, plan, action, language):
    _event(case, action, actor=manager, target=plan, on_case=action not in PERSON_ACTIONS)

    with translation.override(language):
        [entry] = _entries(manager, case)

    assert "%(" not in entry.sentence
    assert action not in entry.sentence
    if action in COMMITTEE_SENTENCES:
        assert manager.get_full_name() not in entry.sentence
    else:
        assert manager.get_full_name() in entry.sentence


@pytest.mark.parametrize("action", sorted(WITH_VALUES))
def test_a_value_the_event_lacks_falls_back_to_the_plain_sentence(case, manager, action):
    _event(case, action, actor=manager, changes={"unrelated": [None, "x"]}, target=None)

    [sentence] = _sentences(manager, case)

    assert sentence == str(SENTENCES[action]) % {
        "actor": manager.get_full_name(),
        "record": "case",
    }


def test_a_call_whose_application_was_deleted_leaves_no_detail(case, manager):
    _event(
        case,
        "seed_capital_application.submitted",
        actor=manager,
        changes={"status": [None, "ELIGIBLE"]},
    )
    AuditEvent.objects.filter(case_id=case.pk).update(
        target_type="livelihoods.application", target_id=str(uuid.uuid4())
    )

    [entry] = _entries(manager, case)

    assert entry.sentence.endswith("eligible.")
    assert entry.detail == ""
