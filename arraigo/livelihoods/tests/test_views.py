"""Seed-capital pages at the request level: who gets them, forms and their errors, htmx
partials, uploads and downloads; bad input shows at its field and writes nothing, never a 500."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from arraigo.accounts.models import Role
from arraigo.cases.tests.factories import CaseFactory
from arraigo.core.models import AuditEvent
from arraigo.livelihoods import services
from arraigo.livelihoods.models import (
    Application,
    Award,
    BusinessPlan,
    Call,
    Delivery,
    DeliveryEvidence,
    Evaluation,
    EvaluatorAssignment,
    FollowUpVisit,
)
from arraigo.livelihoods.services import EvidenceUpload, OrderLineInput
from arraigo.livelihoods.tests.factories import (
    ApplicationFactory,
    ApprovedPlanFactory,
    AwardFactory,
    BusinessPlanFactory,
    CallFactory,
)
from arraigo.people.tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _now():
    return timezone.now()


@pytest.fixture
def open_call(programme, manager):
    today = timezone.localdate()
    return CallFactory(
        programme=programme,
        created_by=manager,
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
    )


def png_file(name="foto.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- Navigation and the list --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.ADMIN, True),
        (Role.MANAGER, True),
        (Role.CASEWORKER, True),
        (Role.PSYCHOSOCIAL, True),
        (Role.MONITORING, True),
        (Role.VIEWER, True),
        (Role.EVALUATOR, False),
        (Role.PARTNER, False),
    ],
)
def test_the_list_of_calls_by_role(
    role, sees, as_user, make_member, organisation, programme, open_call
):
    user = make_member(role, organisation=organisation, programmes=[programme])

    response = as_user(user).get(reverse("livelihoods:list"))

    assert response.status_code == (200 if sees else 404)
    if sees:
        assert open_call.code in response.text


def test_staff_have_seed_capital_in_the_menu_and_evaluators_their_evaluations(
    as_user, make_member, organisation, programme, evaluators
):
    caseworker = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])

    staff_page = as_user(caseworker).get(reverse("cases:my_work")).text
    assert reverse("livelihoods:list") in staff_page
    home = as_user(evaluators[0]).get(reverse("core:home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("livelihoods:evaluations")
    queue = as_user(evaluators[0]).get(home["Location"])
    assert queue.status_code == 200
    assert f'href="{reverse("livelihoods:evaluations")}"' in queue.text
    assert f'href="{reverse("livelihoods:list")}"' not in queue.text


@pytest.mark.parametrize("role", [Role.MONITORING, Role.VIEWER])
def test_monitoring_and_viewers_find_the_calls_in_their_menu(
    role, as_user, make_member, organisation, programme, open_call
):
    user = make_member(role, organisation=organisation, programmes=[programme])

    page = as_user(user).get(reverse("livelihoods:list")).text

    assert f'href="{reverse("livelihoods:list")}"' in page
    assert f'href="{reverse("livelihoods:indicators", args=[open_call.pk])}"' in page
    assert f'href="{reverse("livelihoods:call_detail", args=[open_call.pk])}"' not in page


def test_monitoring_reaches_only_the_indicators(
    as_user, make_member, organisation, programme, open_call
):
    monitoring = make_member(Role.MONITORING, organisation=organisation, programmes=[programme])
    client = as_user(monitoring)

    assert client.get(reverse("livelihoods:indicators", args=[open_call.pk])).status_code == 200
    for name in ("call_detail", "ranking", "applications", "apply", "plans"):
        assert client.get(reverse(f"livelihoods:{name}", args=[open_call.pk])).status_code == 403


# --- Calls --------------------------------------------------------------------------------------


def _call_form(programme, **changes):
    today = timezone.localdate()
    data = {
        "programme": programme.pk,
        "code": "CS-2026-7",
        "title": "Capital semilla para mujeres retornadas",
        "description": "",
        "opens_on": today.isoformat(),
        "closes_on": (today + datetime.timedelta(days=30)).isoformat(),
        "places": "10",
        "waiting_list_size": "5",
        "budget": "15000.00",
        "max_grant": "1500.00",
        "currency": "USD",
        "courses_before_plan": "on",
    }
    data.update(changes)
    return data


def test_a_manager_creates_a_call(as_user, manager, programme):
    response = as_user(manager).post(reverse("livelihoods:call_new"), _call_form(programme))

    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("livelihoods:call_detail", args=[call.pk])
    page = as_user(manager).get(response["Location"]).text
    assert "Capital semilla para mujeres retornadas" in page
    assert "Market and customers" in page  # the default rubric


def test_a_call_that_does_not_hold_shows_its_field_errors_and_nothing_is_created(
    as_user, manager, programme
):
    response = as_user(manager).post(
        reverse("livelihoods:call_new"),
        _call_form(programme, max_grant="50000", closes_on="2020-01-01", places="-1"),
    )

    assert response.status_code == 200
    assert "is-invalid" in response.text
    assert not Call.objects.exists()


def test_a_caseworker_cannot_create_or_configure_calls(as_user, caseworker, programme, open_call):
    client = as_user(caseworker)
    assert client.get(reverse("livelihoods:call_new")).status_code == 404
    for name in ("call_edit", "call_rules", "call_criteria", "call_quotas", "call_rubric"):
        assert client.get(reverse(f"livelihoods:{name}", args=[open_call.pk])).status_code == 403


def test_the_configuration_pages_save_rules_criteria_quotas_and_rubric(as_user, manager, open_call):
    client = as_user(manager)
    for name in ("call_rules", "call_criteria", "call_quotas", "call_rubric"):
        assert client.get(reverse(f"livelihoods:{name}", args=[open_call.pk])).status_code == 200

    rules = client.post(
        reverse("livelihoods:call_rules", args=[open_call.pk]),
        {"use_AGE_RANGE": "on", "age_min": "18", "age_max": "40", "use_NO_EARLIER_GRANT": "on"},
    )
    criteria = client.post(
        reverse("livelihoods:call_criteria", args=[open_call.pk]),
        {
            "weight_WOMAN_HEAD_OF_HOUSEHOLD": "30",
            "weight_DEPENDANTS": "0",
            "weight_DISABILITY": "10",
            "weight_TIME_SINCE_RETURN": "0",
            "weight_VULNERABILITY": "0",
            "weight_MOTIVATION_INTERVIEW": "60",
            "dependants_full_at": "4",
            "return_within_months": "12",
            "motivation_max": "10",
        },
    )
    quotas = client.post(
        reverse("livelihoods:call_quotas", args=[open_call.pk]),
        {"women": "50", "disability": "0", "population_type": "", "population_percent": "0"},
    )

    assert [r.status_code for r in (rules, criteria, quotas)] == [302, 302, 302]
    assert dict(open_call.eligibility_rules.values_list("kind", "params")) == {
        "AGE_RANGE": {"min": 18, "max": 40, "on": None},
        "NO_EARLIER_GRANT": {},
    }
    assert dict(open_call.priority_criteria.values_list("kind", "weight")) == {
        "WOMAN_HEAD_OF_HOUSEHOLD": 30,
        "DISABILITY": 10,
        "MOTIVATION_INTERVIEW": 60,
    }
    assert list(open_call.quotas.values_list("kind", "min_percent")) == [("WOMEN", 50)]


def test_a_refused_rule_shows_in_its_section(as_user, manager, open_call):
    response = as_user(manager).post(
        reverse("livelihoods:call_rules", args=[open_call.pk]), {"use_POPULATION_TYPE": "on"}
    )

    assert response.status_code == 200
    assert "Choose at least one population type." in response.text
    assert 'id="id_use_POPULATION_TYPE_error1"' in response.text
    assert not open_call.eligibility_rules.exists()


def test_the_rubric_page_refuses_fewer_than_three_evaluations(as_user, manager, open_call):
    data = {
        "rubric-TOTAL_FORMS": "1",
        "rubric-INITIAL_FORMS": "0",
        "rubric-0-code": "MARKET",
        "rubric-0-label_es": "Mercado",
        "rubric-0-label_en": "Market",
        "rubric-0-weight": "100",
        "rubric-0-order": "1",
        "scale_max": "5",
        "pass_mark": "60",
        "evaluations_required": "2",
    }

    response = as_user(manager).post(reverse("livelihoods:call_rubric", args=[open_call.pk]), data)

    assert response.status_code == 200
    assert "is-invalid" in response.text
    assert open_call.rubric.count() == 6


# --- Applying and ranking -----------------------------------------------------------------------


def test_applying_from_a_search_that_keeps_the_name_out_of_the_url(as_user, caseworker, open_call):
    person = ParticipantFactory(
        organisation=open_call.organisation, given_names="Rosa Elvira", first_surname="Quintanilla"
    )
    person.enrolments.create(programme=open_call.programme, enrolled_on=person.registered_on)
    client = as_user(caseworker)
    url = reverse("livelihoods:apply", args=[open_call.pk])

    searched = client.post(url, {"q": "Rosa Quintanilla"})
    assert searched.status_code == 302
    assert "Rosa" not in searched["Location"]
    assert "s=" in searched["Location"]
    results = client.get(searched["Location"])
    assert "Rosa Elvira Quintanilla" in results.text

    applied = client.post(url, {"participant": str(person.pk)})
    application = Application.objects.get()
    assert applied["Location"] == reverse("livelihoods:application_detail", args=[application.pk])
    detail = client.get(applied["Location"])
    assert "Eligibility" in detail.text


def test_applying_from_the_participant_page(as_user, caseworker, open_call):
    person = ParticipantFactory(organisation=open_call.organisation)
    person.enrolments.create(programme=open_call.programme, enrolled_on=person.registered_on)
    client = as_user(caseworker)

    page = client.get(reverse("people:detail", args=[person.pk])).text
    apply_url = f"{reverse('livelihoods:apply', args=[open_call.pk])}?participant={person.pk}"
    assert apply_url in page
    assert client.get(apply_url).status_code == 200


def test_applying_for_someone_not_visible_answers_404(
    as_user, caseworker, open_call, other_organisation
):
    stranger = ParticipantFactory(organisation=other_organisation)
    client = as_user(caseworker)
    url = reverse("livelihoods:apply", args=[open_call.pk])

    assert client.post(url, {"participant": str(stranger.pk)}).status_code == 404
    assert client.post(url, {"participant": "not-a-uuid"}).status_code == 200
    assert client.get(f"{url}?participant=nonsense").status_code == 404
    assert not Application.objects.exists()


def test_the_ranking_page_shows_the_breakdown_and_the_quota_moves(
    as_user, manager, caseworker, open_call
):
    services.priority_criteria_save(
        call=open_call,
        rows=[services.CriterionInput("MOTIVATION_INTERVIEW", 100, {"max": 10})],
        by=manager,
        at=_now(),
    )
    services.quotas_save(
        call=open_call, rows=[services.QuotaInput("WOMEN", 50)], by=manager, at=_now()
    )
    for sex, motivation in (("MALE", 10), ("MALE", 9), ("FEMALE", 3)):
        person = ParticipantFactory(organisation=open_call.organisation, sex=sex)
        person.enrolments.create(programme=open_call.programme, enrolled_on=person.registered_on)
        application = services.application_submit(
            call=open_call, participant=person, by=caseworker, at=_now()
        )
        services.application_record_motivation(
            application=application, score=motivation, by=caseworker, at=_now()
        )
    client = as_user(manager)

    recomputed = client.post(reverse("livelihoods:ranking", args=[open_call.pk]))
    page = client.get(recomputed["Location"]).text
    partial = client.post(reverse("livelihoods:ranking", args=[open_call.pk]), **HTMX)

    assert "Moved up to the shortlist by the quota “At least 50% women”, in place of no. 2." in page
    assert "Motivation interview: 3 of 10." in page
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'id="ranking"' in partial.text
    assert client.get(reverse("livelihoods:approve", args=[open_call.pk])).status_code == 200
    approved = client.post(reverse("livelihoods:approve", args=[open_call.pk]))
    assert approved.status_code == 302
    open_call.refresh_from_db()
    assert open_call.status == Call.Status.SELECTION_APPROVED


def test_a_caseworker_cannot_rank_or_approve(as_user, caseworker, open_call):
    client = as_user(caseworker)
    assert client.get(reverse("livelihoods:ranking", args=[open_call.pk])).status_code == 200
    assert client.post(reverse("livelihoods:ranking", args=[open_call.pk])).status_code == 403
    assert client.post(reverse("livelihoods:approve", args=[open_call.pk])).status_code == 403
    open_call.refresh_from_db()
    assert open_call.ranked_at is None


def test_a_motivation_score_outside_its_scale_shows_at_the_field(as_user, caseworker, open_call):
    application = ApplicationFactory(call=open_call)

    response = as_user(caseworker).post(
        reverse("livelihoods:motivation", args=[application.pk]), {"motivation_score": "99"}
    )

    assert response.status_code == 200
    assert "from 0 to 10" in response.text
    application.refresh_from_db()
    assert application.motivation_score is None


# --- Business plans -----------------------------------------------------------------------------


def _plan_form(application, lines, **changes):
    data = {
        "business_name": "Panadería Doña Rosa",
        "idea": "Pan dulce y francés para las tiendas del cantón.",
        "isic_section": "C",
        "occupation": "7512",
        "municipality": application.participant.municipality_id,
        "location_detail": "",
        "market": "Tiendas del cantón",
        "customers": "",
        "experience": "Diez años en una panadería en Houston",
        "expected_monthly_sales": "800",
        "expected_monthly_costs": "450",
        "jobs_created": "1",
        "budget-TOTAL_FORMS": str(len(lines)),
        "budget-INITIAL_FORMS": "0",
        "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "60",
    }
    for index, (item, quantity, unit_cost, own) in enumerate(lines):
        data.update(
            {
                f"budget-{index}-item": item,
                f"budget-{index}-quantity": quantity,
                f"budget-{index}-unit_cost": unit_cost,
                f"budget-{index}-own_contribution": own,
                f"budget-{index}-supplier": "",
            }
        )
    data.update(changes)
    return data


@pytest.fixture
def selected(programme):
    return ApplicationFactory(
        call=CallFactory(programme=programme, status=Call.Status.SELECTION_APPROVED),
        status=Application.Status.SELECTED,
        selected_at=_now(),
    )


def test_a_plan_over_the_maximum_shows_why_and_nothing_is_saved(as_user, caseworker, selected):
    response = as_user(caseworker).post(
        reverse("livelihoods:plan_new", args=[selected.pk]),
        _plan_form(selected, [("Horno", "1", "1400", "0"), ("Batidora", "1", "300", "0")]),
    )

    assert response.status_code == 200
    assert "above the call&#x27;s maximum of 1,500.00 USD" in response.text
    assert "200.00 USD above the maximum grant" in response.text  # the running totals
    assert not BusinessPlan.objects.exists()


def test_a_plan_is_saved_with_its_computed_totals(as_user, caseworker, selected):
    response = as_user(caseworker).post(
        reverse("livelihoods:plan_new", args=[selected.pk]),
        _plan_form(selected, [("Horno", "1", "900", "100"), ("", "", "", "")]),
    )

    plan = BusinessPlan.objects.get()
    assert response["Location"] == reverse("livelihoods:plan_detail", args=[plan.pk])
    assert (plan.total_cost, plan.grant_requested) == (Decimal("900.00"), Decimal("800.00"))
    page = as_user(caseworker).get(response["Location"]).text
    assert "800.00 USD" in page


def test_totals_are_recalculated_with_htmx_and_without_javascript(as_user, caseworker, selected):
    client = as_user(caseworker)
    url = reverse("livelihoods:plan_new", args=[selected.pk])
    data = _plan_form(selected, [("Horno", "2", "450.50", "1"), ("Mesa", "3", "x", "0")])

    partial = client.post(url, {**data, "recalculate": "1"}, **HTMX)
    page = client.post(url, {**data, "recalculate": "1"})

    assert partial.status_code == 200
    assert partial.text.strip().startswith('<div id="totals"')
    assert "901.00 USD" in partial.text
    assert "900.00 USD" in partial.text
    assert "<html" in page.text
    assert "901.00 USD" in page.text
    assert not BusinessPlan.objects.exists()


def test_presenting_a_plan_from_its_page(as_user, caseworker, selected):
    plan = BusinessPlanFactory(application=selected)

    response = as_user(caseworker).post(reverse("livelihoods:plan_submit", args=[plan.pk]))

    plan.refresh_from_db()
    assert response.status_code == 302
    assert plan.status == BusinessPlan.Status.SUBMITTED


# --- Committee ----------------------------------------------------------------------------------


@pytest.fixture
def submitted(selected):
    return BusinessPlanFactory(application=selected, status=BusinessPlan.Status.SUBMITTED)


def _assignment(plan, evaluator, manager):
    return EvaluatorAssignment.objects.create(
        plan=plan, evaluator=evaluator, assigned_by=manager, assigned_at=_now()
    )


def _scores(plan, value="4"):
    return {f"score_{c.code}": value for c in plan.application.call.rubric.all()}


def test_an_evaluator_declares_then_scores_once_and_then_sees_the_others(
    as_user, submitted, evaluators, manager
):
    mine = _assignment(submitted, evaluators[0], manager)
    other = _assignment(submitted, evaluators[1], manager)
    services.conflict_declare(assignment=other, has_conflict=False, by=evaluators[1], at=_now())
    services.evaluation_submit(
        assignment=other,
        scores={c.pk: 2 for c in submitted.application.call.rubric.all()},
        comment="",
        by=evaluators[1],
        at=_now(),
    )
    client = as_user(evaluators[0])
    url = reverse("livelihoods:evaluation", args=[mine.pk])

    before = client.get(url).text
    assert "Conflict of interest" in before
    assert "40.00/100" not in before  # the other evaluator's score stays hidden
    refused = client.post(
        reverse("livelihoods:evaluation_score", args=[mine.pk]), _scores(submitted)
    )
    assert "Declare whether you have a conflict" in refused.text
    client.post(reverse("livelihoods:evaluation_conflict", args=[mine.pk]), {"has_conflict": "no"})
    out_of_scale = client.post(
        reverse("livelihoods:evaluation_score", args=[mine.pk]),
        {**_scores(submitted), "score_RISK": "9"},
    )
    assert "Scores go from 0 to 5." in out_of_scale.text
    assert not Evaluation.objects.filter(assignment=mine).exists()

    scored = client.post(
        reverse("livelihoods:evaluation_score", args=[mine.pk]), _scores(submitted)
    )
    assert scored.status_code == 302
    after = client.get(url).text
    assert "40.00/100" in after
    twice = client.post(
        reverse("livelihoods:evaluation_score", args=[mine.pk]), _scores(submitted, "5")
    )
    assert "already submitted" in twice.text
    assert Evaluation.objects.get(assignment=mine).total == Decimal("80.00")


def test_the_evaluator_page_shows_no_name_reference_or_contact(
    as_user, submitted, evaluators, manager
):
    assignment = _assignment(submitted, evaluators[0], manager)
    person = submitted.application.participant
    # A surname found in no place name or generated staff name, so that its absence means
    # something.
    person.first_surname = "Tzunún"
    person.phone = "7123-4567"
    person.save()

    page = as_user(evaluators[0]).get(reverse("livelihoods:evaluation", args=[assignment.pk])).text

    assert person.given_names.split(" ")[0] in page
    for hidden in (person.first_surname, person.reference, person.phone):
        assert hidden not in page


def test_an_evaluator_gets_403_on_the_decision_and_404_on_plans_not_assigned(
    as_user, submitted, evaluators, manager, programme
):
    _assignment(submitted, evaluators[0], manager)
    other = BusinessPlanFactory(
        application__call=submitted.application.call, status=BusinessPlan.Status.SUBMITTED
    )
    client = as_user(evaluators[0])

    assert client.get(reverse("livelihoods:plan_decide", args=[submitted.pk])).status_code == 403
    assert (
        client.post(
            reverse("livelihoods:plan_decide", args=[submitted.pk]),
            {"outcome": "APPROVED", "reason": "Sí"},
        ).status_code
        == 403
    )
    assert client.get(reverse("livelihoods:plan_detail", args=[other.pk])).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == BusinessPlan.Status.SUBMITTED


def test_the_decision_page_shows_the_spread_and_refuses_without_three_evaluations(
    as_user, submitted, evaluators, manager
):
    for evaluator, value in zip(evaluators[:2], (5, 3), strict=True):
        assignment = _assignment(submitted, evaluator, manager)
        services.conflict_declare(
            assignment=assignment, has_conflict=False, by=evaluator, at=_now()
        )
        services.evaluation_submit(
            assignment=assignment,
            scores={c.pk: value for c in submitted.application.call.rubric.all()},
            comment="",
            by=evaluator,
            at=_now(),
        )
    client = as_user(manager)

    page = client.get(reverse("livelihoods:plan_decide", args=[submitted.pk])).text
    refused = client.post(
        reverse("livelihoods:plan_decide", args=[submitted.pk]),
        {"outcome": "APPROVED", "reason": "Buen plan"},
    )

    assert "spread between evaluators" in page
    assert "40.00" in page
    assert "2 of the 3 evaluations" in refused.text
    submitted.refresh_from_db()
    assert submitted.status == BusinessPlan.Status.SUBMITTED


def test_a_manager_assigns_evaluators(as_user, submitted, evaluators, manager):
    response = as_user(manager).post(
        reverse("livelihoods:plan_evaluators", args=[submitted.pk]),
        {"evaluator": str(evaluators[0].pk)},
    )

    assert response.status_code == 302
    assert EvaluatorAssignment.objects.filter(plan=submitted, evaluator=evaluators[0]).exists()


# --- Awards and deliveries ----------------------------------------------------------------------


@pytest.fixture
def approved(selected):
    return ApprovedPlanFactory(application=selected)


def _award(client, plan):
    """900 awarded today for *plan* (the factory's plan asks for 900)."""
    client.post(
        reverse("livelihoods:award_new", args=[plan.pk]),
        {"amount": "900", "awarded_on": timezone.localdate().isoformat()},
    )
    return Award.objects.get(plan=plan)


def _order_irons(client, award, unit_cost):
    """An order of two irons at *unit_cost* from the plan's supplier, issued today."""
    return client.post(
        reverse("livelihoods:order_new", args=[award.pk]),
        {
            "supplier": "Ferretería El Pino",
            "issued_on": timezone.localdate().isoformat(),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-item": "Plancha",
            "lines-0-quantity": "2",
            "lines-0-unit_cost": unit_cost,
        },
    )


def test_a_delivery_without_an_award_is_refused_with_a_message(as_user, caseworker, approved):
    client = as_user(caseworker)

    response = client.post(
        reverse("livelihoods:delivery_new", args=[approved.pk]),
        {"order": "00000000-0000-0000-0000-000000000000", "delivered_on": "2026-05-01"},
        follow=True,
    )

    assert response.status_code == 200
    assert "This plan has no award yet" in response.text
    assert not Delivery.objects.exists()


def test_a_new_order_proposes_the_awards_part_of_the_budget(as_user, manager, approved):
    client = as_user(manager)
    award = _award(client, approved)

    page = client.get(reverse("livelihoods:order_new", args=[award.pk]))

    # The iron costs 1,000.00 of which the participant pays 100.00: the award's 900.00 is proposed.
    assert 'name="lines-0-item" value="Plancha de hierro"' in page.text
    assert re.search(r'name="lines-0-unit_cost" value="900(\.00)?"', page.text)
    assert 'name="lines-0-quantity" value="1"' in page.text


def test_once_the_whole_award_is_ordered_no_order_is_offered(as_user, manager, approved):
    client = as_user(manager)
    award = _award(client, approved)
    _order_irons(client, award, "450")

    award_page = client.get(reverse("livelihoods:award_detail", args=[award.pk])).text
    order_page = client.get(reverse("livelihoods:order_new", args=[award.pk])).text

    assert reverse("livelihoods:order_new", args=[award.pk]) not in award_page
    assert "The whole award is ordered" in order_page
    assert 'name="lines-TOTAL_FORMS"' not in order_page


def test_an_award_an_order_and_a_delivery_with_its_proof(
    as_user, manager, caseworker, approved, settings
):
    client = as_user(manager)
    made = client.post(
        reverse("livelihoods:award_new", args=[approved.pk]),
        {"amount": "900", "awarded_on": timezone.localdate().isoformat()},
    )
    award = Award.objects.get()
    assert made["Location"] == reverse("livelihoods:award_detail", args=[award.pk])
    too_much = _order_irons(client, award, "500")
    assert "above the award of 900.00 USD" in too_much.text
    assert not award.purchase_orders.exists()
    issued = _order_irons(client, award, "450")
    assert issued.status_code == 302
    order = award.purchase_orders.get()
    line = order.lines.get()

    staff = as_user(caseworker)
    url = f"{reverse('livelihoods:delivery_new', args=[approved.pk])}?order={order.pk}"
    assert staff.get(url).status_code == 200
    wrong_type = staff.post(
        url,
        {
            "order": str(order.pk),
            f"q_{line.pk}": "2",
            "delivered_on": timezone.localdate().isoformat(),
            "received_by": "Rosa",
            "evidence_kind": "SIGNATURE",
            "evidence": SimpleUploadedFile("recibo.pdf", b"<html>no</html>", "application/pdf"),
        },
    )
    assert "this file is of another kind" in wrong_type.text
    assert not Delivery.objects.exists()

    delivered = staff.post(
        url,
        {
            "order": str(order.pk),
            f"q_{line.pk}": "2",
            "delivered_on": timezone.localdate().isoformat(),
            "received_by": "Rosa",
            "evidence_kind": "PHOTO",
            "evidence": png_file(),
        },
    )
    assert delivered.status_code == 302
    evidence = DeliveryEvidence.objects.get()
    assert FollowUpVisit.objects.filter(award=award).count() == 3

    download = staff.get(reverse("livelihoods:evidence_file", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action="delivery_evidence.read", actor=caseworker).exists()
    # Never a public URL: the media path itself is not served.
    assert staff.get(settings.MEDIA_URL + evidence.file.name).status_code == 404


def test_the_proof_is_not_served_to_others(
    as_user, approved, manager, evaluators, make_member, other_organisation
):
    award = AwardFactory(plan=approved)
    order = award.purchase_orders.create(
        reference="OC-T-1",
        supplier="X",
        issued_on=timezone.localdate(),
        issued_by=manager,
        total=10,
    )
    delivery = award.deliveries.create(
        purchase_order=order,
        delivered_on=timezone.localdate(),
        received_by="X",
        value=10,
        recorded_by=manager,
    )
    evidence = services.evidence_add(
        delivery=delivery, upload=EvidenceUpload("PHOTO", png_file()), by=manager, at=_now()
    )
    url = reverse("livelihoods:evidence_file", args=[evidence.pk])

    assert as_user(evaluators[0]).get(url).status_code == 404
    assert (
        as_user(make_member(Role.ADMIN, organisation=other_organisation)).get(url).status_code
        == 404
    )


# --- Follow-up and My work ----------------------------------------------------------------------


def test_visits_due_show_on_my_work_and_are_recorded_from_there(
    as_user, caseworker, approved, manager
):
    CaseFactory(
        participant=approved.application.participant,
        programme=approved.application.call.programme,
        assigned_to=caseworker,
    )
    award = AwardFactory(
        plan=approved, first_delivered_on=timezone.localdate() - datetime.timedelta(days=92)
    )
    visit = services.visits_schedule(award=award, by=manager, at=_now())[0]
    client = as_user(caseworker)

    my_work = client.get(reverse("cases:my_work")).text
    assert "Business follow-up visits due" in my_work
    assert reverse("livelihoods:visit", args=[visit.pk]) in my_work

    bad = client.post(
        reverse("livelihoods:visit", args=[visit.pk]),
        {"visited_on": "not a date", "sold_last_month": "yes", "monthly_sales": "-3"},
    )
    assert bad.status_code == 200
    assert "is-invalid" in bad.text
    recorded = client.post(
        reverse("livelihoods:visit", args=[visit.pk]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "sold_last_month": "yes",
            "monthly_sales": "700",
            "monthly_costs": "400",
            "people_employed": "1",
            "refer_urgency": "ROUTINE",
        },
    )
    assert recorded.status_code == 302
    visit.refresh_from_db()
    assert visit.operating is True
    assert (
        reverse("livelihoods:visit", args=[visit.pk])
        not in client.get(reverse("cases:my_work")).text
    )


def test_follow_up_settings_are_for_programme_management(as_user, manager, caseworker, programme):
    url = reverse("livelihoods:follow_up_settings", args=[programme.pk])

    assert as_user(caseworker).get(url).status_code == 404
    response = as_user(manager).post(
        url,
        {"visit_months": "3, 6, 12, 24", "needs_recent_sale": "on", "min_monthly_sales": "50"},
    )
    assert response.status_code == 302
    assert programme.follow_up_settings.visit_months == [3, 6, 12, 24]
    assert programme.follow_up_settings.needs_profit is False
    wrong = as_user(manager).post(url, {"visit_months": "tres", "min_monthly_sales": "0"})
    assert "Write whole numbers of months" in wrong.text


# --- Indicators ---------------------------------------------------------------------------------


def test_the_indicators_page_hides_small_cells_for_viewers(
    as_user, make_member, organisation, programme, open_call, manager
):
    ApplicationFactory(call=open_call)
    viewer = make_member(Role.VIEWER, organisation=organisation, programmes=[programme])
    url = reverse("livelihoods:indicators", args=[open_call.pk])

    hidden = as_user(viewer).get(url).text
    shown = as_user(manager).get(url).text

    assert 'data-indicator="applicants">&lt;5<' in hidden
    assert 'data-indicator="applicants">1<' in shown


# --- Never a 500 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("call_rules", {"use_AGE_RANGE": "on", "age_min": "abc", "age_max": "-5"}),
        ("call_criteria", {"weight_DISABILITY": "1000"}),
        ("call_quotas", {"women": "150", "population_percent": "20"}),
        ("call_edit", {"places": "lots", "budget": "1e99"}),
        ("ranking", {}),
    ],
)
def test_garbage_posted_to_call_pages_never_gives_a_500(as_user, manager, open_call, name, data):
    response = as_user(manager).post(reverse(f"livelihoods:{name}", args=[open_call.pk]), data)

    assert response.status_code in {200, 302}


@pytest.mark.parametrize(
    "url",
    [
        "/livelihoods/calls/not-a-uuid/",
        "/livelihoods/calls/00000000-0000-0000-0000-000000000000/ranking/",
        "/livelihoods/evidence/00000000-0000-0000-0000-000000000000/",
        "/livelihoods/calls/new/?programme=nonsense",
    ],
)
def test_malformed_addresses_answer_404_or_the_page(as_user, manager, url):
    assert as_user(manager).get(url).status_code in {200, 404}


def test_pages_of_a_whole_round_render(as_user, manager, caseworker, approved):
    award = AwardFactory(plan=approved, first_delivered_on=timezone.localdate())
    services.visits_schedule(award=award, by=manager, at=_now())
    services.purchase_order_issue(
        award=award,
        supplier="Ferretería",
        lines=[OrderLineInput("Plancha", Decimal("1"), Decimal("100"))],
        issued_on=timezone.localdate(),
        tranche=None,
        by=manager,
        at=_now(),
    )
    call = approved.application.call
    client = as_user(manager)
    urls = [
        reverse("livelihoods:call_detail", args=[call.pk]),
        reverse("livelihoods:applications", args=[call.pk]),
        reverse("livelihoods:plans", args=[call.pk]),
        reverse("livelihoods:plan_detail", args=[approved.pk]),
        reverse("livelihoods:application_detail", args=[approved.application.pk]),
        reverse("livelihoods:award_detail", args=[award.pk]),
        reverse("livelihoods:tranche_new", args=[award.pk]),
        reverse("livelihoods:order_new", args=[award.pk]),
        reverse("livelihoods:contribution_new", args=[award.pk]),
        reverse("livelihoods:delivery_new", args=[approved.pk]),
        reverse("livelihoods:visit", args=[award.visits.first().pk]),
        reverse("livelihoods:withdraw", args=[approved.application.pk]),
        reverse("livelihoods:refer", args=[approved.application.pk]),
        reverse("livelihoods:indicators", args=[call.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        as_user(caseworker).get(reverse("livelihoods:plan_edit", args=[approved.pk])).status_code
        == 302
    )


def test_the_call_page_describes_its_rules_in_words(as_user, manager, open_call):
    services.eligibility_rules_save(
        call=open_call,
        rows=[
            services.RuleInput("POPULATION_TYPE", {"allowed": ["RETURNEE", "IDP"]}),
            services.RuleInput("AGE_RANGE", {"min": 18, "max": 35, "on": "2026-04-01"}),
            services.RuleInput("PLACE", {"divisions": ["SV-PA"]}),
        ],
        by=manager,
        at=_now(),
    )

    page = as_user(manager).get(reverse("livelihoods:call_detail", args=[open_call.pk])).text

    assert "Population type: Internally displaced person, Returnee" in page
    assert "Age: 18 to 35 years old on 01/04/2026" in page
    assert "Place of residence: La Paz" in page


def test_the_applications_list_pages_by_keyset(as_user, caseworker, open_call):
    for day in range(27):
        ApplicationFactory(
            call=open_call, applied_on=datetime.date(2026, 4, 1) + datetime.timedelta(day)
        )
    client = as_user(caseworker)
    url = reverse("livelihoods:applications", args=[open_call.pk])

    first = client.get(url)
    second = client.get(url, {"cursor": first.context["page"].next_cursor})

    assert len(first.context["page"].items) == 25
    assert len(second.context["page"].items) == 2
    assert first.context["page"].items[0].applied_on == datetime.date(2026, 4, 27)
    assert client.get(url, {"cursor": "forged"}).status_code == 404
