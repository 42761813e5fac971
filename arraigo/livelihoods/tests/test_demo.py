"""The demo's seed capital: a round in El Salvador, an open call, a virtual round in Ecuador."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from arraigo.accounts.models import Membership, Role
from arraigo.core.models import AuditEvent
from arraigo.learning.models import Course, ModuleProgress
from arraigo.livelihoods.indicators import call_figures, call_indicators
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
    OwnContribution,
    PurchaseOrder,
    Quota,
    Tranche,
)

pytestmark = pytest.mark.django_db

# Enough people for El Salvador's round to reach every stage; small enough to load in seconds.
PEOPLE = 200


@pytest.fixture
def demo() -> str:
    out = io.StringIO()
    call_command("load_demo", people=PEOPLE, stdout=out)
    return out.getvalue()


def _calls() -> tuple[Call, Call, Call]:
    closed = Call.objects.get(programme__country="SV", status=Call.Status.CLOSED)
    current = Call.objects.get(programme__country="SV", status=Call.Status.OPEN)
    virtual = Call.objects.get(programme__country="EC")
    return closed, current, virtual


def test_a_closed_round_in_el_salvador_from_applications_to_follow_up_visits(demo):
    closed, _current, _virtual = _calls()
    now = timezone.now()
    today = timezone.localdate(now)
    opened = AuditEvent.objects.get(action="seed_capital_call.opened", target_id=closed.pk)
    assert opened.at < now - datetime.timedelta(days=200)
    assert closed.quotas.get().kind == Quota.Kind.WOMEN
    assert closed.priority_criteria.filter(weight__gt=0).count() >= 5
    assert closed.rubric.count() == 6
    assert closed.required_courses.exists()
    applications = closed.applications.all()
    statuses = set(applications.values_list("status", flat=True))
    assert {"SELECTED", "WAITING", "INELIGIBLE", "WITHDRAWN"} <= statuses
    for application in applications.filter(status=Application.Status.INELIGIBLE):
        assert any(not rule["passed"] and rule["reason"] for rule in application.eligibility)
    promoted = applications.get(selection_note__effect="FROM_WAITING_LIST")
    assert promoted.status == Application.Status.SELECTED
    assert applications.filter(referral__isnull=False).exists()

    plans = BusinessPlan.objects.filter(application__call=closed)
    decided = plans.filter(status__in=BusinessPlan.DECIDED_STATUSES)
    assert set(decided.values_list("status", flat=True)) == set(BusinessPlan.DECIDED_STATUSES)
    for plan in decided:
        assert Evaluation.objects.filter(plan=plan).count() >= 3
        assert not plan.assignments.filter(has_conflict__isnull=True).exists()
        assert plan.budget_lines.exclude(supplier="").exists()
        assert plan.decision_reason
    assert plans.filter(own_contribution__gt=0).exists()

    awards = Award.objects.filter(plan__application__call=closed)
    assert awards.count() == plans.filter(status__in=BusinessPlan.APPROVED_STATUSES).count()
    assert Tranche.objects.filter(award__in=awards).exists()
    assert OwnContribution.objects.filter(award__in=awards).exists()
    orders = PurchaseOrder.objects.filter(award__in=awards)
    assert orders.filter(status=PurchaseOrder.Status.DELIVERED).exists()
    deliveries = Delivery.objects.filter(award__in=awards)
    assert deliveries.exists()
    evidence = DeliveryEvidence.objects.filter(delivery__in=deliveries)
    assert evidence.count() == deliveries.count()
    assert evidence.first().file.read(8) == b"\x89PNG\r\n\x1a\n"
    assert awards.filter(status=Award.Status.COMPLETED).exists()

    visits = FollowUpVisit.objects.filter(award__in=awards)
    done = visits.filter(status=FollowUpVisit.Status.DONE)
    assert done.filter(months_after=6, operating=True).exists()
    assert done.filter(operating=False).exists()
    assert visits.filter(status=FollowUpVisit.Status.MISSED).exists()
    assert visits.filter(
        status=FollowUpVisit.Status.SCHEDULED,
        months_after=6,
        due_on__lte=today + datetime.timedelta(days=14),
    ).exists()
    assert not done.filter(visited_on__gt=today).exists()
    # Written through the services: each award and delivery has its audit event.
    assert AuditEvent.objects.filter(action="award.made").count() == Award.objects.count()
    assert AuditEvent.objects.filter(action="delivery.recorded").count() == Delivery.objects.count()

    # The indicators of both finished rounds, from applicants to jobs.
    for call in (closed, Call.objects.get(programme__country="EC")):
        figures = call_figures(call=call)
        counts = {
            "applicants": figures.applicants,
            "eligible": figures.eligible,
            "selected": figures.selected,
            "trained": figures.trained,
            "plans_approved": figures.plans_approved,
            "businesses_funded": figures.businesses_funded,
        }
        for name, value in counts.items():
            assert value is not None, (call.code, name)
            assert value.total_people() > 0, (call.code, name)
        assert figures.amount_delivered.total_amount() > 0, call.code
        assert figures.jobs_created.total_amount() > 0, call.code
        shown = {
            indicator.code: indicator.total.text
            for indicator in call_indicators(call=call, hide_small=False)
        }
        assert shown["applicants"] != "0"
    assert call_figures(call=closed).operating[6].total_people() > 0


def test_an_open_call_a_virtual_round_and_three_evaluators_per_committee(demo):
    _closed, current, virtual = _calls()
    today = timezone.localdate()
    assert current.opens_on < today < current.closes_on
    assert current.applications.count() >= 4
    assert current.ranked_at is not None
    ranked_on = timezone.localtime(current.ranked_at).date()
    assert current.applications.filter(applied_on__gt=ranked_on).exists()  # applied since
    reasons = {r["reason"] for a in current.applications.all() for r in a.eligibility}
    assert "earlier_grant.no" in reasons  # people funded in the first call apply again

    course = virtual.required_courses.get()
    assert (course.delivery, course.requires_modules) == (Course.Delivery.VIRTUAL, True)
    selected = virtual.applications.filter(selected_at__isnull=False).values("participant_id")
    assert ModuleProgress.objects.filter(
        enrolment__course=course, enrolment__participant_id__in=selected, passed=True
    ).exists()
    assert Award.objects.filter(plan__application__call=virtual).exists()
    # A plan presented late waits: one of its evaluators declared a conflict of interest.
    assert EvaluatorAssignment.objects.filter(
        plan__application__call=virtual, has_conflict=True, plan__status="SUBMITTED"
    ).exists()

    # Three evaluators in each committee; loading again changes nothing.
    for country in ("sv", "ec"):
        for email in (f"evaluator.{country}", f"evaluator2.{country}", f"evaluator3.{country}"):
            membership = Membership.objects.select_related("user").get(
                user__email=f"{email}@demo.arraigo.org"
            )
            assert membership.role == Role.EVALUATOR
            assert membership.user.check_password("arraigo-demo")
    assert "evaluator2.sv@demo.arraigo.org" in demo
    counts = (Call.objects.count(), Application.objects.count(), AuditEvent.objects.count())
    out = io.StringIO()
    call_command("load_demo", people=PEOPLE, stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Call.objects.count(), Application.objects.count(), AuditEvent.objects.count()) == (
        counts
    )
