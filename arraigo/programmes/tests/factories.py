import datetime

import factory

from arraigo.accounts.tests.factories import OrganisationFactory
from arraigo.programmes.models import Programme, StaffAssignment


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PRG-{n}")
    name = factory.Sequence(lambda n: f"Programa {n}")
    country = "SV"
    donor = "Unión Europea"
    starts_on = datetime.date(2026, 1, 1)
    currency = "USD"


class StaffAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffAssignment
