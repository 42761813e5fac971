"""Selection: eligibility rule by rule with its reason, the score and its breakdown, quotas,
approval that freezes the selection, the waiting list and referring people not selected."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from arraigo.cases.models import VulnerabilityLevel
from arraigo.cases.tests.factories import CaseFactory
from arraigo.core.models import AdministrativeDivision, AuditEvent
from arraigo.learning.tests.factories import (
    AttendanceFactory,
    CourseEnrolmentFactory,
    CourseFactory,
    SessionFactory,
)
from arraigo.livelihoods import rules, selectors, services
from arraigo.livelihoods.models import Application, Call, EligibilityRule, PriorityCriterion
from arraigo.livelihoods.services import CriterionInput, QuotaInput, RuleInput
from arraigo.livelihoods.tests.conftest import NOW, TODAY
from arraigo.livelihoods.tests.factories import AwardFactory, CallFactory
from arraigo.people.models import Household, PopulationType, Sex
from arraigo.referrals.models import Referral, Service
from arraigo.referrals.tests.factories import ConsentFactory, ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _rules(call, manager, *rows):
    services.eligibility_rules_save(call=call, rows=list(rows), by=manager, at=NOW)


def _criteria(call, manager, *rows):
    services.priority_criteria_save(call=call, rows=list(rows), by=manager, at=NOW)


def _apply(call, person, by):
    return services.application_submit(call=call, participant=person, by=by, at=NOW)


def _reasons(application):
    with translation.override("en"):
        return {entry["kind"]: rules.reason_text(entry) for entry in application.eligibility}


def _screen(person, programme, level):
    case = CaseFactory(participant=person, programme=programme)
    case.screenings.create(
        screened_on=TODAY,
        screened_by=case.participant.registered_by,
        answers={},
        weights={},
        score=0,
        level=level,
    )
    return case


# --- Eligibility, rule by rule ------------------------------------------------------------------


def test_population_type_rule_accepts_and_refuses_with_its_reason(
    call, manager, caseworker, make_applicant
):
    _rules(call, manager, RuleInput("POPULATION_TYPE", {"allowed": ["RETURNEE", "IDP"]}))
    returnee = _apply(call, make_applicant(population_type="RETURNEE"), caseworker)
    host = _apply(
        call, make_applicant(population_type="HOST_COMMUNITY", returned_on=None), caseworker
    )

    assert returnee.status == Application.Status.ELIGIBLE
    assert host.status == Application.Status.INELIGIBLE
    assert host.is_eligible is False
    assert _reasons(host)["POPULATION_TYPE"] == (
        "Host community: the call accepts only Internally displaced person, Returnee."
    )


def test_age_rule_counts_the_age_on_the_day_given(call, manager, caseworker, make_applicant):
    _rules(call, manager, RuleInput("AGE_RANGE", {"min": 18, "max": 35, "on": "2026-04-01"}))
    young = _apply(call, make_applicant(birth_date=datetime.date(1991, 4, 2)), caseworker)
    old = _apply(call, make_applicant(birth_date=datetime.date(1990, 4, 1)), caseworker)

    assert young.status == Application.Status.ELIGIBLE  # 34 on 1 April 2026
    assert old.status == Application.Status.INELIGIBLE  # 36 that very day
    assert _reasons(old)["AGE_RANGE"] == ("36 years old on 01/04/2026; the call accepts 18 to 35.")


def test_place_rule_accepts_a_whole_department_and_names_the_place_refused(
    call, manager, caseworker, make_applicant
):
    la_paz = AdministrativeDivision.objects.get(code="SV-PA")
    _rules(call, manager, RuleInput("PLACE", {"divisions": [la_paz.code]}))
    inside = _apply(call, make_applicant(), caseworker)  # La Paz Este, in La Paz
    elsewhere_muni = (
        AdministrativeDivision.objects.filter(level="MUNICIPALITY", country="SV")
        .exclude(parent=la_paz)
        .first()
    )
    outside = _apply(
        call,
        make_applicant(municipality=elsewhere_muni, department=elsewhere_muni.parent),
        caseworker,
    )

    assert inside.status == Application.Status.ELIGIBLE
    assert outside.status == Application.Status.INELIGIBLE
    assert _reasons(outside)["PLACE"] == (
        f"Lives in {elsewhere_muni.name}, outside the call's area (La Paz)."
    )


def test_an_earlier_grant_from_another_call_of_the_organisation_makes_ineligible(
    call, manager, caseworker, make_applicant
):
    _rules(call, manager, RuleInput("NO_EARLIER_GRANT"))
    person = make_applicant()
    earlier_call = CallFactory(programme=call.programme, code="CS-2025-1")
    AwardFactory(
        plan__application__call=earlier_call,
        plan__application__participant=person,
    )

    application = _apply(call, person, caseworker)

    assert application.status == Application.Status.INELIGIBLE
    assert _reasons(application)["NO_EARLIER_GRANT"] == (
        "Already received seed capital in the call CS-2025-1; one grant per person."
    )


def test_a_cancelled_earlier_award_does_not_count(call, manager, caseworker, make_applicant):
    _rules(call, manager, RuleInput("NO_EARLIER_GRANT"))
    person = make_applicant()
    AwardFactory(
        plan__application__call=CallFactory(programme=call.programme),
        plan__application__participant=person,
        status="CANCELLED",
    )

    assert _apply(call, person, caseworker).status == Application.Status.ELIGIBLE


def _completed_course(call, person):
    course = call.required_courses.first()
    session = SessionFactory(course=course)
    enrolment = CourseEnrolmentFactory(course=course, participant=person)
    AttendanceFactory(session=session, enrolment=enrolment, present=True)


def test_the_course_rule_checks_completion_with_the_learning_app(
    call, manager, caseworker, make_applicant
):
    course = CourseFactory(programme=call.programme, title="Emprende tu negocio")
    call.required_courses.add(course)
    _rules(call, manager, RuleInput("COURSES_COMPLETED"))
    trained, untrained = make_applicant(), make_applicant()
    _completed_course(call, trained)

    assert _apply(call, trained, caseworker).status == Application.Status.ELIGIBLE
    refused = _apply(call, untrained, caseworker)
    assert refused.status == Application.Status.INELIGIBLE
    assert _reasons(refused)["COURSES_COMPLETED"] == (
        "Has not completed the required courses: Emprende tu negocio."
    )


def test_the_course_rule_needs_required_courses(call, manager):
    with pytest.raises(services.RulesInvalid, match="required courses first"):
        _rules(call, manager, RuleInput("COURSES_COMPLETED"))


def test_vulnerability_rule_reads_the_latest_screening_of_the_programme(
    call, manager, caseworker, make_applicant
):
    _rules(call, manager, RuleInput("VULNERABILITY_LEVEL", {"min_level": "MEDIUM"}))
    high, low, unscreened = make_applicant(), make_applicant(), make_applicant()
    _screen(high, call.programme, VulnerabilityLevel.HIGH)
    _screen(low, call.programme, VulnerabilityLevel.LOW)

    assert _apply(call, high, caseworker).status == Application.Status.ELIGIBLE
    low_application = _apply(call, low, caseworker)
    missing = _apply(call, unscreened, caseworker)
    assert _reasons(low_application)["VULNERABILITY_LEVEL"] == (
        "Vulnerability low; the call asks for at least medium."
    )
    assert "No vulnerability screening" in _reasons(missing)["VULNERABILITY_LEVEL"]
    assert missing.status == Application.Status.INELIGIBLE


def test_every_rule_is_reported_even_when_one_fails(call, manager, caseworker, make_applicant):
    _rules(
        call,
        manager,
        RuleInput("POPULATION_TYPE", {"allowed": ["IDP"]}),
        RuleInput("AGE_RANGE", {"min": 18, "max": 120}),
    )

    application = _apply(call, make_applicant(), caseworker)

    assert [(e["kind"], e["passed"]) for e in application.eligibility] == [
        ("POPULATION_TYPE", False),
        ("AGE_RANGE", True),
    ]


def test_reasons_are_stored_as_codes_and_put_into_words_when_shown(
    call, manager, caseworker, make_applicant
):
    _rules(call, manager, RuleInput("POPULATION_TYPE", {"allowed": ["RETURNEE"]}))
    application = _apply(
        call, make_applicant(population_type="HOST_COMMUNITY", returned_on=None), caseworker
    )
    stored = application.eligibility[0]

    with translation.override("es"):
        spanish = rules.reason_text(stored)
    with translation.override("en"):
        english = rules.reason_text(stored)

    assert stored["reason"] == "population_type.no"
    assert stored["args"] == {"value": "HOST_COMMUNITY", "allowed": ["RETURNEE"]}
    assert english.startswith("Host community:")
    assert "Comunidad de acogida" in spanish
    assert "Persona retornada" in spanish


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("POPULATION_TYPE", {"allowed": []}, "at least one population type"),
        ("AGE_RANGE", {"min": 40, "max": 20}, "must not be below"),
        ("AGE_RANGE", {"min": 18, "max": 60, "on": "someday"}, "YYYY-MM-DD"),
        ("PLACE", {"divisions": []}, "department or municipality"),
        ("VULNERABILITY_LEVEL", {"min_level": "EXTREME"}, "lowest vulnerability level"),
    ],
)
def test_bad_rule_parameters_are_refused_at_their_rule(call, manager, kind, params, message):
    with pytest.raises(services.RulesInvalid, match=message) as refused:
        _rules(call, manager, RuleInput(kind, params))

    assert refused.value.field == kind
    assert not call.eligibility_rules.exists()


# --- Applying -----------------------------------------------------------------------------------


def test_applying_outside_the_dates_or_to_a_draft_is_refused(call, caseworker, make_applicant):
    person = make_applicant()
    late = NOW.replace(month=6, day=2)

    with pytest.raises(services.CallNotOpen, match="from 01/04/2026 to 31/05/2026"):
        services.application_submit(call=call, participant=person, by=caseworker, at=late)
    call.status = Call.Status.DRAFT
    call.save()
    with pytest.raises(services.CallNotOpen):
        _apply(call, person, caseworker)
    assert not Application.objects.exists()


def test_applying_needs_the_programme_and_is_once_per_call(call, caseworker, make_applicant):
    from arraigo.people.tests.factories import ParticipantFactory

    outsider = ParticipantFactory(organisation=call.organisation)
    with pytest.raises(services.NotEnrolledInProgramme, match="Enrol the person"):
        _apply(call, outsider, caseworker)
    person = make_applicant()
    _apply(call, person, caseworker)
    with pytest.raises(services.AlreadyApplied):
        _apply(call, person, caseworker)
    assert Application.objects.count() == 1


def test_applying_is_audited_on_the_persons_case_timeline(call, caseworker, make_applicant):
    person = make_applicant()
    case = CaseFactory(participant=person, programme=call.programme)

    application = _apply(call, person, caseworker)

    event = AuditEvent.objects.get(action="seed_capital_application.submitted")
    assert event.target_id == str(application.pk)
    assert event.data_subject_id == person.pk
    assert event.case_id == case.pk


# --- Score and breakdown ------------------------------------------------------------------------


def test_score_is_broken_down_by_criterion_and_stored(call, manager, caseworker, make_applicant):
    _criteria(
        call,
        manager,
        CriterionInput("WOMAN_HEAD_OF_HOUSEHOLD", 20),
        CriterionInput("DEPENDANTS", 15, {"full_at": 4}),
        CriterionInput("DISABILITY", 15),
        CriterionInput("TIME_SINCE_RETURN", 10, {"within_months": 12}),
        CriterionInput("VULNERABILITY", 20),
        CriterionInput("MOTIVATION_INTERVIEW", 20, {"max": 10}),
    )
    person = make_applicant(sex=Sex.FEMALE, returned_on=datetime.date(2025, 12, 1))
    household = Household.objects.create(
        organisation=call.organisation, head=person, size=4, dependants=2
    )
    person.household = household
    person.has_disability = True
    person.save()
    _screen(person, call.programme, VulnerabilityLevel.MEDIUM)
    application = _apply(call, person, caseworker)
    services.application_record_motivation(application=application, score=7, by=caseworker, at=NOW)

    services.ranking_compute(call=call, by=manager, at=NOW)

    application.refresh_from_db()
    points = {row["kind"]: Decimal(row["points"]) for row in application.score_breakdown}
    assert points == {
        "WOMAN_HEAD_OF_HOUSEHOLD": Decimal("20.00"),
        "DEPENDANTS": Decimal("7.50"),  # 2 of 4
        "DISABILITY": Decimal("15.00"),
        "TIME_SINCE_RETURN": Decimal("10.00"),  # 4 months before the call opened
        "VULNERABILITY": Decimal("10.00"),  # medium: half
        "MOTIVATION_INTERVIEW": Decimal("14.00"),  # 7 of 10
    }
    assert application.score == Decimal("76.50")
    assert application.rank == 1
    with translation.override("en"):
        row = selectors.application_detail(application=application)
    assert ("Dependants", 15, "7.50", "2 dependants (full points from 4).") in [
        (p.label, p.weight, p.points, p.reason) for p in row.points
    ]


def test_a_man_or_a_woman_who_does_not_head_the_household_gets_no_head_points(
    call, manager, caseworker, make_applicant
):
    _criteria(call, manager, CriterionInput("WOMAN_HEAD_OF_HOUSEHOLD", 20))
    man = make_applicant(sex=Sex.MALE)
    Household.objects.create(organisation=call.organisation, head=man, size=2, dependants=1)
    woman = make_applicant(sex=Sex.FEMALE)
    for person in (man, woman):
        _apply(call, person, caseworker)

    services.ranking_compute(call=call, by=manager, at=NOW)

    assert set(Application.objects.values_list("score", flat=True)) == {Decimal("0.00")}


def test_the_motivation_score_is_checked_against_its_scale(
    call, manager, caseworker, make_applicant
):
    _criteria(call, manager, CriterionInput("MOTIVATION_INTERVIEW", 20, {"max": 5}))
    application = _apply(call, make_applicant(), caseworker)

    with pytest.raises(services.MotivationOutOfScale, match="from 0 to 5"):
        services.application_record_motivation(
            application=application, score=6, by=caseworker, at=NOW
        )
    application.refresh_from_db()
    assert application.motivation_score is None


def test_a_criterion_weight_outside_0_100_is_refused(call, manager):
    with pytest.raises(services.RulesInvalid, match="0 to 100") as refused:
        _criteria(call, manager, CriterionInput("DISABILITY", 101))
    assert refused.value.field == "DISABILITY"


def test_a_weight_of_zero_removes_the_criterion(call, manager):
    _criteria(call, manager, CriterionInput("DISABILITY", 10), CriterionInput("DEPENDANTS", 5))
    _criteria(call, manager, CriterionInput("DISABILITY", 0), CriterionInput("DEPENDANTS", 5))

    assert list(call.priority_criteria.values_list("kind", flat=True)) == ["DEPENDANTS"]
    assert AuditEvent.objects.filter(action="priority_criterion.removed").count() == 1


# --- Ranking and quotas -------------------------------------------------------------------------


def _ranked_call(call, manager, caseworker, make_applicant, people):
    """Apply for *people* (dicts of participant fields + motivation), rank, return by name."""
    _criteria(call, manager, CriterionInput("MOTIVATION_INTERVIEW", 100, {"max": 10}))
    applications = {}
    for name, fields in people.items():
        motivation = fields.pop("motivation")
        applied_on = fields.pop("applied_on", None)
        application = _apply(call, make_applicant(**fields), caseworker)
        services.application_record_motivation(
            application=application, score=motivation, by=caseworker, at=NOW
        )
        if applied_on:
            Application.objects.filter(pk=application.pk).update(applied_on=applied_on)
        applications[name] = application
    selection = services.ranking_compute(call=call, by=manager, at=NOW)
    for application in applications.values():
        application.refresh_from_db()
    return selection, applications


def test_ranking_orders_by_score_and_breaks_ties_by_who_applied_first(
    call, manager, caseworker, make_applicant
):
    _, apps = _ranked_call(
        call,
        manager,
        caseworker,
        make_applicant,
        {
            "late": {"motivation": 8, "applied_on": datetime.date(2026, 4, 20)},
            "early": {"motivation": 8, "applied_on": datetime.date(2026, 4, 5)},
            "best": {"motivation": 10},
        },
    )

    assert [apps[n].rank for n in ("best", "early", "late")] == [1, 2, 3]
    assert [apps[n].proposal for n in ("best", "early", "late")] == [
        "SELECTED",
        "SELECTED",
        "WAITING",
    ]


def test_a_women_quota_moves_the_best_woman_up_and_says_why(
    call, manager, caseworker, make_applicant
):
    services.quotas_save(call=call, rows=[QuotaInput("WOMEN", 50)], by=manager, at=NOW)
    selection, apps = _ranked_call(
        call,
        manager,
        caseworker,
        make_applicant,
        {
            "man1": {"sex": Sex.MALE, "motivation": 10},
            "man2": {"sex": Sex.MALE, "motivation": 9},
            "man3": {"sex": Sex.MALE, "motivation": 8},
            "woman": {"sex": Sex.FEMALE, "motivation": 7},
        },
    )

    assert apps["man1"].proposal == "SELECTED"
    assert apps["woman"].proposal == "SELECTED"
    assert apps["man2"].proposal == "WAITING"
    assert apps["woman"].selection_note == {
        "effect": "PROMOTED",
        "quota": str(call.quotas.get().pk),
        "instead_of": 2,
    }
    with translation.override("en"):
        ranking = selectors.ranking(call=call)
    notes = {row.application.pk: row.note for row in ranking.ranked}
    assert notes[apps["woman"].pk] == (
        "Moved up to the shortlist by the quota “At least 50% women”, in place of no. 2."
    )
    assert "gave the place to no. 4" in notes[apps["man2"].pk]
    assert ranking.quotas[0].met
    assert not selection.shortfalls


def test_a_quota_already_met_by_merit_moves_nobody(call, manager, caseworker, make_applicant):
    services.quotas_save(call=call, rows=[QuotaInput("WOMEN", 50)], by=manager, at=NOW)
    _, apps = _ranked_call(
        call,
        manager,
        caseworker,
        make_applicant,
        {
            "woman": {"sex": Sex.FEMALE, "motivation": 10},
            "man": {"sex": Sex.MALE, "motivation": 9},
            "man2": {"sex": Sex.MALE, "motivation": 1},
        },
    )

    assert {a.selection_note.get("effect") for a in apps.values()} == {None}
    assert apps["man"].proposal == "SELECTED"


def test_not_enough_women_leaves_the_quota_short_and_reports_it(
    call, manager, caseworker, make_applicant
):
    call.places = 4
    call.save()
    services.quotas_save(call=call, rows=[QuotaInput("WOMEN", 50)], by=manager, at=NOW)
    selection, apps = _ranked_call(
        call,
        manager,
        caseworker,
        make_applicant,
        {
            "m1": {"sex": Sex.MALE, "motivation": 10},
            "m2": {"sex": Sex.MALE, "motivation": 9},
            "m3": {"sex": Sex.MALE, "motivation": 8},
            "m4": {"sex": Sex.MALE, "motivation": 7},
            "m5": {"sex": Sex.MALE, "motivation": 6},
            "w1": {"sex": Sex.FEMALE, "motivation": 1},
        },
    )

    assert apps["w1"].proposal == "SELECTED"
    assert apps["m4"].proposal == "WAITING"
    assert [(q.id, have, needed) for q, have, needed in selection.shortfalls] == [
        (str(call.quotas.get().pk), 1, 2)
    ]
    ranking = selectors.ranking(call=call)
    assert (ranking.quotas[0].have, ranking.quotas[0].needed, ranking.quotas[0].met) == (
        1,
        2,
        False,
    )


def test_women_tied_for_the_quota_place_go_in_order_of_application(
    call, manager, caseworker, make_applicant
):
    services.quotas_save(call=call, rows=[QuotaInput("WOMEN", 50)], by=manager, at=NOW)
    _, apps = _ranked_call(
        call,
        manager,
        caseworker,
        make_applicant,
        {
            "m1": {"sex": Sex.MALE, "motivation": 10},
            "m2": {"sex": Sex.MALE, "motivation": 9},
            "w_late": {
                "sex": Sex.FEMALE,
                "motivation": 5,
                "applied_on": datetime.date(2026, 4, 20),
            },
            "w_early": {
                "sex": Sex.FEMALE,
                "motivation": 5,
                "applied_on": datetime.date(2026, 4, 2),
            },
        },
    )

    assert apps["w_early"].proposal == "SELECTED"
    assert apps["w_late"].proposal == "WAITING"


def test_a_second_quota_does_not_undo_the_first():
    def person(n, *traits, score):
        return rules.Candidate(
            id=__import__("uuid").UUID(int=n),
            score=Decimal(score),
            applied_on=datetime.date(2026, 4, 1),
            traits=frozenset(traits),
        )

    candidates = [
        person(1, "WOMEN", score=90),
        person(2, score=80),
        person(3, score=70),
        person(4, "DISABILITY", score=60),
    ]
    selection = rules.select(
        candidates,
        places=2,
        waiting_list_size=0,
        quotas=[
            rules.QuotaSpec("w", "WOMEN", "", 50),
            rules.QuotaSpec("d", "DISABILITY", "", 50),
        ],
    )

    # The woman keeps her place: the person with a disability replaces the man.
    assert [c.int for c in selection.selected] == [1, 4]
    assert [c.int for c in selection.waiting] == [2, 3]


def test_the_waiting_list_size_leaves_the_rest_not_selected(
    call, manager, caseworker, make_applicant
):
    call.places, call.waiting_list_size = 1, 1
    call.save()
    _, apps = _ranked_call(
        call,
        manager,
        caseworker,
        make_applicant,
        {"a": {"motivation": 9}, "b": {"motivation": 8}, "c": {"motivation": 7}},
    )

    assert [apps[n].proposal for n in "abc"] == ["SELECTED", "WAITING", "NOT_SELECTED"]


# --- Approval freezes ---------------------------------------------------------------------------


def _approved(call, manager, caseworker, make_applicant, people):
    _, apps = _ranked_call(call, manager, caseworker, make_applicant, people)
    services.selection_approve(call=call, by=manager, at=NOW)
    for application in apps.values():
        application.refresh_from_db()
    call.refresh_from_db()
    return apps


def test_approval_freezes_the_selection_and_is_audited(call, manager, caseworker, make_applicant):
    apps = _approved(
        call,
        manager,
        caseworker,
        make_applicant,
        {"a": {"motivation": 9}, "b": {"motivation": 8}, "c": {"motivation": 7}},
    )

    assert call.status == Call.Status.SELECTION_APPROVED
    assert call.selection_approved_by == manager
    assert [apps[n].status for n in "abc"] == ["SELECTED", "SELECTED", "WAITING"]
    assert apps["a"].selected_at == NOW
    frozen = AuditEvent.objects.get(action="seed_capital_call.shortlist_frozen")
    assert frozen.changes["selected"][1] == [str(apps["a"].pk), str(apps["b"].pk)]
    with pytest.raises(services.SelectionFrozen):
        services.ranking_compute(call=call, by=manager, at=NOW)
    with pytest.raises(services.SelectionFrozen):
        services.eligibility_rules_save(call=call, rows=[], by=manager, at=NOW)
    with pytest.raises(services.SelectionFrozen):
        services.application_record_motivation(
            application=apps["c"], score=10, by=caseworker, at=NOW
        )
    with pytest.raises(services.CallNotOpen):
        _apply(call, make_applicant(), caseworker)


def test_approval_refuses_a_ranking_that_changed_since_it_was_shown(
    call, manager, caseworker, make_applicant
):
    _ranked_call(call, manager, caseworker, make_applicant, {"a": {"motivation": 9}})
    _apply(call, make_applicant(), caseworker)  # a new applicant after the ranking

    with pytest.raises(services.RankingChanged, match="Review the new ranking"):
        services.selection_approve(call=call, by=manager, at=NOW)
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert not Application.objects.filter(status="SELECTED").exists()


def test_approval_needs_a_ranking_and_someone_eligible(call, manager, caseworker, make_applicant):
    with pytest.raises(services.RankingChanged):
        services.selection_approve(call=call, by=manager, at=NOW)
    services.ranking_compute(call=call, by=manager, at=NOW)
    with pytest.raises(services.NothingToSelect):
        services.selection_approve(call=call, by=manager, at=NOW)


def test_a_selected_person_who_withdraws_gives_the_place_to_the_first_waiting(
    call, manager, caseworker, make_applicant
):
    apps = _approved(
        call,
        manager,
        caseworker,
        make_applicant,
        {
            "a": {"motivation": 9},
            "b": {"motivation": 8},
            "c": {"motivation": 7},
            "d": {"motivation": 6},
        },
    )

    promoted = services.application_withdraw(
        application=apps["a"], reason="Se fue a otro país", on=TODAY, by=caseworker, at=NOW
    )

    assert promoted == apps["c"]
    promoted.refresh_from_db()
    apps["a"].refresh_from_db()
    assert apps["a"].status == Application.Status.WITHDRAWN
    assert promoted.status == Application.Status.SELECTED
    assert promoted.selection_note == {"effect": "FROM_WAITING_LIST", "replaces": 1}
    assert AuditEvent.objects.filter(
        action="seed_capital_application.promoted_from_waiting_list", target_id=str(promoted.pk)
    ).exists()


def test_promotion_keeps_a_quota_the_withdrawal_would_break(
    call, manager, caseworker, make_applicant
):
    services.quotas_save(call=call, rows=[QuotaInput("WOMEN", 50)], by=manager, at=NOW)
    apps = _approved(
        call,
        manager,
        caseworker,
        make_applicant,
        {
            "man": {"sex": Sex.MALE, "motivation": 10},
            "woman": {"sex": Sex.FEMALE, "motivation": 9},
            "man2": {"sex": Sex.MALE, "motivation": 8},
            "woman2": {"sex": Sex.FEMALE, "motivation": 7},
        },
    )

    promoted = services.application_withdraw(
        application=apps["woman"], reason="Enfermedad", on=TODAY, by=caseworker, at=NOW
    )

    assert promoted == apps["woman2"]
    assert promoted.selection_note["quota"] == str(call.quotas.get().pk)


def test_withdrawal_needs_a_reason_and_happens_once(call, caseworker, make_applicant):
    application = _apply(call, make_applicant(), caseworker)

    with pytest.raises(ValidationError):
        services.application_withdraw(
            application=application, reason=" ", on=TODAY, by=caseworker, at=NOW
        )
    services.application_withdraw(
        application=application, reason="Ya no quiere", on=TODAY, by=caseworker, at=NOW
    )
    with pytest.raises(services.NotWithdrawable):
        services.application_withdraw(
            application=application, reason="Otra vez", on=TODAY, by=caseworker, at=NOW
        )


# --- Referring people not selected --------------------------------------------------------------


@pytest.fixture
def training(organisation, other_organisation):
    provider = ProviderFactory(owner=organisation, organisation=other_organisation)
    return ServiceFactory(provider=provider, category=Service.Category.VOCATIONAL_TRAINING)


def test_a_person_not_selected_is_referred_to_training_from_its_case(
    call, manager, caseworker, make_applicant, training
):
    apps = _approved(
        call,
        manager,
        caseworker,
        make_applicant,
        {"a": {"motivation": 9}, "b": {"motivation": 8}, "c": {"motivation": 7}},
    )
    waiting = apps["c"]
    case = CaseFactory(participant=waiting.participant, programme=call.programme)
    ConsentFactory(participant=waiting.participant, organisations=[training.provider.organisation])

    services.application_refer(
        application=waiting,
        request=services.ReferralRequest(
            provider=training.provider, service=training, reason="Curso de cocina"
        ),
        by=caseworker,
        at=NOW,
    )

    waiting.refresh_from_db()
    referral = Referral.objects.get()
    assert waiting.referral == referral
    assert referral.case == case
    assert referral.service == training


def test_referral_refusals(call, manager, caseworker, make_applicant, training):
    apps = _approved(
        call,
        manager,
        caseworker,
        make_applicant,
        {"a": {"motivation": 9}, "b": {"motivation": 8}, "c": {"motivation": 7}},
    )
    request = services.ReferralRequest(provider=training.provider, service=training, reason="x")

    with pytest.raises(services.NotReferrable):
        services.application_refer(application=apps["a"], request=request, by=caseworker, at=NOW)
    with pytest.raises(services.NoCaseForReferral, match="Open a case first"):
        services.application_refer(application=apps["c"], request=request, by=caseworker, at=NOW)
    assert not Referral.objects.exists()
    assert apps["c"].referral_id is None


def test_rules_helpers_compute_whole_months_and_ages():
    assert rules.months_between(datetime.date(2025, 12, 15), datetime.date(2026, 4, 14)) == 3
    assert rules.months_between(datetime.date(2025, 12, 15), datetime.date(2026, 4, 15)) == 4
    assert rules.age_on(datetime.date(2000, 2, 29), datetime.date(2026, 2, 28)) == 25
    assert rules.age_on(datetime.date(2000, 2, 29), datetime.date(2026, 3, 1)) == 26


def test_population_quota_needs_its_population_type(call, manager):
    with pytest.raises(services.RulesInvalid, match="population type"):
        services.quotas_save(
            call=call, rows=[QuotaInput("POPULATION_TYPE", 30, "")], by=manager, at=NOW
        )
    services.quotas_save(
        call=call,
        rows=[QuotaInput("POPULATION_TYPE", 30, PopulationType.IDP)],
        by=manager,
        at=NOW,
    )
    assert call.quotas.get().value == "IDP"


def test_a_new_call_gets_the_default_rules_criteria_and_rubric(programme, organisation, manager):
    call = services.call_create(
        programme=programme,
        organisation=organisation,
        details=services.CallDetails(
            code="cs-2026-9",
            title="Capital semilla 2026",
            opens_on=TODAY,
            closes_on=TODAY + datetime.timedelta(days=30),
            places=20,
            budget=Decimal("30000"),
            max_grant=Decimal("1500"),
            currency="usd",
        ),
        by=manager,
        at=NOW,
    )

    assert call.code == "CS-2026-9"
    assert call.currency == "USD"
    assert call.status == Call.Status.DRAFT
    assert set(call.eligibility_rules.values_list("kind", flat=True)) == {
        EligibilityRule.Kind.AGE_RANGE,
        EligibilityRule.Kind.NO_EARLIER_GRANT,
    }
    assert call.priority_criteria.count() == len(PriorityCriterion.Kind.values)
    assert dict(call.rubric.values_list("code", "weight")) == {
        "MARKET": 25,
        "VIABILITY": 20,
        "EXPERIENCE": 20,
        "BUDGET": 15,
        "COMMITMENT": 10,
        "RISK": 10,
    }
    assert call.pass_mark == Decimal("60")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"closes_on": datetime.date(2026, 1, 1)}, "closes_on"),
        ({"max_grant": Decimal("50000")}, "max_grant"),
        ({"currency": "dollars"}, "currency"),
        ({"code": "no spaces!"}, "code"),
    ],
)
def test_call_details_that_do_not_hold_are_refused_by_field(
    programme, organisation, manager, changes, field
):
    details = {
        "code": "CS-1",
        "title": "Capital semilla",
        "opens_on": datetime.date(2026, 4, 1),
        "closes_on": datetime.date(2026, 5, 1),
        "places": 10,
        "budget": Decimal("10000"),
        "max_grant": Decimal("1000"),
        "currency": "USD",
        **changes,
    }
    with pytest.raises(ValidationError) as refused:
        services.call_create(
            programme=programme,
            organisation=organisation,
            details=services.CallDetails(**details),
            by=manager,
            at=NOW,
        )
    assert field in refused.value.message_dict
    assert not Call.objects.exists()
