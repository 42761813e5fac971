import datetime

import factory

from arraigo.accounts.tests.factories import UserFactory
from arraigo.cases.models import (
    Case,
    CaseNote,
    Dimension,
    NeedLevel,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
    VulnerabilityCriterion,
)
from arraigo.people.models import Enrolment
from arraigo.people.tests.factories import ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory


class CaseFactory(factory.django.DjangoModelFactory):
    """A case written directly, with the participant enrolled in the case's programme."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    participant = factory.SubFactory(
        ParticipantFactory, organisation=factory.SelfAttribute("..programme.organisation")
    )
    organisation = factory.LazyAttribute(lambda case: case.participant.organisation)
    status = Case.Status.OPEN
    opened_on = datetime.date(2026, 3, 12)
    intake_channel = Case.IntakeChannel.WALK_IN
    intake_summary = "Busca trabajo en construcción; duerme donde una tía."

    @factory.post_generation
    def enrol(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            Enrolment.objects.get_or_create(
                participant=self.participant,
                programme=self.programme,
                defaults={"enrolled_on": self.opened_on},
            )


class PlanGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanGoal

    case = factory.SubFactory(CaseFactory)
    dimension = Dimension.ECONOMIC
    description = "Abrir un taller de soldadura"
    added_by = factory.SubFactory(UserFactory)


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanAction

    goal = factory.SubFactory(PlanGoalFactory)
    case = factory.LazyAttribute(lambda action: action.goal.case)
    description = "Inscribirse en el curso de soldadura del instituto"
    responsible = factory.SubFactory(UserFactory)
    due_on = datetime.date(2026, 4, 15)
    status = PlanAction.Status.PENDING
    added_by = factory.LazyAttribute(lambda action: action.responsible)


class CaseNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNote

    case = factory.SubFactory(CaseFactory)
    sensitivity = CaseNote.Sensitivity.STANDARD
    body = "Llamó para confirmar la cita."
    written_by = factory.SubFactory(UserFactory)
    written_at = factory.LazyFunction(
        lambda: datetime.datetime(2026, 3, 20, 15, 0, tzinfo=datetime.UTC)
    )


class NeedsAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NeedsAssessment

    case = factory.SubFactory(CaseFactory)
    assessed_on = datetime.date(2026, 3, 13)
    assessed_by = factory.SubFactory(UserFactory)
    economic_level = NeedLevel.HIGH
    economic_needs = factory.LazyFunction(lambda: ["NO_INCOME", "EMPLOYMENT"])
    social_level = NeedLevel.MEDIUM
    social_needs = factory.LazyFunction(lambda: ["DOCUMENTS"])
    psychosocial_level = NeedLevel.LOW
    psychosocial_needs = factory.LazyFunction(lambda: ["GRIEF"])
    psychosocial_notes = "Duelo por un hermano que sigue en el norte."


class VulnerabilityCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VulnerabilityCriterion

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"CRITERION_{n}")
    label_es = factory.Sequence(lambda n: f"Criterio {n}")
    label_en = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 2
    order = factory.Sequence(lambda n: n)
