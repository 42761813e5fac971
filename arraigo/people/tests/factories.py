import datetime

import factory

from arraigo.accounts.tests.factories import OrganisationFactory, UserFactory
from arraigo.core.models import AdministrativeDivision
from arraigo.people.models import (
    Enrolment,
    IdentityDocument,
    NameKey,
    Participant,
    PopulationType,
    Sex,
)
from arraigo.people.names import name_keys, search_name


def _municipality() -> AdministrativeDivision:
    return AdministrativeDivision.objects.get(code="SV-PA-la-paz-este")


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A participant written directly (tests of services register through the service)."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"TS-2026-{n:06d}")
    given_names = factory.Faker("first_name", locale="es_MX")
    first_surname = factory.Faker("last_name", locale="es_MX")
    second_surname = factory.Faker("last_name", locale="es_MX")
    sex = Sex.FEMALE
    birth_date = datetime.date(1990, 5, 17)
    nationality = "SV"
    country = "SV"
    municipality = factory.LazyFunction(_municipality)
    department = factory.LazyAttribute(lambda p: p.municipality.parent)
    population_type = PopulationType.RETURNEE
    returned_on = datetime.date(2026, 3, 2)
    returned_from = "US"
    registered_on = datetime.date(2026, 3, 10)
    registered_by = factory.SubFactory(UserFactory)
    search_name = factory.LazyAttribute(
        lambda p: search_name(p.given_names, p.first_surname, p.second_surname)
    )

    @factory.post_generation
    def name_keys(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Index the name as registration does, so searches find factory-made people."""
        if create:
            NameKey.objects.bulk_create(
                [
                    NameKey(organisation_id=self.organisation_id, participant=self, key=key)
                    for key in name_keys(self.search_name)
                ],
                ignore_conflicts=True,
            )


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    enrolled_on = datetime.date(2026, 3, 10)


class IdentityDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityDocument

    organisation = factory.LazyAttribute(lambda d: d.participant.organisation)
    kind = IdentityDocument.Kind.PASSPORT
    number = factory.Sequence(lambda n: f"P{n:08d}")
    number_normalized = factory.LazyAttribute(lambda d: d.number.upper())
