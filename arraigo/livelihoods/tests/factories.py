"""Factories of seed-capital records, written directly (service tests go through services)."""

import datetime
from decimal import Decimal

import factory

from arraigo.accounts.tests.factories import UserFactory
from arraigo.livelihoods.models import (
    DEFAULT_RUBRIC,
    Application,
    Award,
    BudgetLine,
    BusinessPlan,
    Call,
    RubricCriterion,
)
from arraigo.people.models import Enrolment
from arraigo.people.tests.factories import ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory


class CallFactory(factory.django.DjangoModelFactory):
    """An open call without rules, criteria or quotas; with the default rubric."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.LazyAttribute(lambda call: call.programme.organisation)
    code = factory.Sequence(lambda n: f"CS-2026-{n}")
    title = factory.Sequence(lambda n: f"Capital semilla {n}")
    opens_on = datetime.date(2026, 4, 1)
    closes_on = datetime.date(2026, 5, 31)
    places = 2
    budget = Decimal("10000.00")
    max_grant = Decimal("1500.00")
    currency = "USD"
    status = Call.Status.OPEN
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def rubric(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            for order, (code, label_es, label_en, weight) in enumerate(DEFAULT_RUBRIC, start=1):
                RubricCriterion.objects.create(
                    call=self,
                    code=code,
                    label_es=label_es,
                    label_en=label_en,
                    weight=weight,
                    order=order,
                )


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    organisation = factory.LazyAttribute(lambda a: a.call.organisation)
    participant = factory.SubFactory(
        ParticipantFactory, organisation=factory.SelfAttribute("..call.organisation")
    )
    applied_on = datetime.date(2026, 4, 10)
    applied_by = factory.SubFactory(UserFactory)
    status = Application.Status.ELIGIBLE
    is_eligible = True
    eligibility_checked_at = datetime.datetime(2026, 4, 10, 15, 0, tzinfo=datetime.UTC)

    @factory.post_generation
    def enrol(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            Enrolment.objects.get_or_create(
                participant=self.participant,
                programme=self.call.programme,
                defaults={"enrolled_on": datetime.date(2026, 3, 10)},
            )


class SelectedApplicationFactory(ApplicationFactory):
    """A selected applicant of a call whose selection was approved."""

    call = factory.SubFactory(CallFactory, status=Call.Status.SELECTION_APPROVED)
    status = Application.Status.SELECTED
    rank = factory.Sequence(lambda n: n + 1)
    selected_at = datetime.datetime(2026, 6, 1, 15, 0, tzinfo=datetime.UTC)


def _municipality(plan: object) -> object:
    return plan.application.participant.municipality  # type: ignore[attr-defined]


class BusinessPlanFactory(factory.django.DjangoModelFactory):
    """A plan with one budget line of 1,000.00 (own contribution 100.00)."""

    class Meta:
        model = BusinessPlan
        skip_postgeneration_save = True

    application = factory.SubFactory(SelectedApplicationFactory)
    organisation = factory.LazyAttribute(lambda p: p.application.organisation)
    number = factory.Sequence(lambda n: n + 1)
    status = BusinessPlan.Status.DRAFT
    business_name = "Pupusería La Esperanza"
    idea = "Pupusas y refrescos en el mercado municipal."
    isic_section = "I"
    municipality = factory.LazyAttribute(_municipality)
    market = "Mercado municipal, 300 personas al día."
    total_cost = Decimal("1000.00")
    own_contribution = Decimal("100.00")
    grant_requested = Decimal("900.00")
    expected_monthly_sales = Decimal("600.00")
    expected_monthly_costs = Decimal("350.00")
    jobs_created = 1
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def lines(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            BudgetLine.objects.create(
                plan=self,
                order=1,
                item="Plancha de hierro",
                quantity=Decimal("2"),
                unit_cost=Decimal("500.00"),
                supplier="Ferretería El Pino",
                own_contribution=Decimal("100.00"),
                total=Decimal("1000.00"),
            )


class ApprovedPlanFactory(BusinessPlanFactory):
    status = BusinessPlan.Status.APPROVED
    submitted_at = datetime.datetime(2026, 6, 10, 15, 0, tzinfo=datetime.UTC)
    decided_at = datetime.datetime(2026, 6, 20, 15, 0, tzinfo=datetime.UTC)
    decided_by = factory.SubFactory(UserFactory)
    decision_reason = "Mercado probado y experiencia de diez años."
    approved_amount = Decimal("900.00")
    committee_score = Decimal("78.00")
    committee_spread = Decimal("8.00")


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    plan = factory.SubFactory(ApprovedPlanFactory)
    organisation = factory.LazyAttribute(lambda a: a.plan.organisation)
    amount = Decimal("900.00")
    currency = "USD"
    awarded_on = datetime.date(2026, 6, 25)
    awarded_by = factory.SubFactory(UserFactory)
