import datetime

import factory

from arraigo.accounts.models import Organisation
from arraigo.accounts.tests.factories import OrganisationFactory, UserFactory
from arraigo.cases.models import Case
from arraigo.people.models import Consent
from arraigo.people.tests.factories import ParticipantFactory
from arraigo.programmes.tests.factories import ProgrammeFactory
from arraigo.referrals.models import Provider, Referral, Service

SENT_AT = datetime.datetime(2026, 4, 6, 15, 0, tzinfo=datetime.UTC)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case written directly; its participant belongs to the case's organisation."""

    class Meta:
        model = Case

    organisation = factory.SubFactory(OrganisationFactory)
    participant = factory.SubFactory(
        ParticipantFactory, organisation=factory.SelfAttribute("..organisation")
    )
    programme = factory.SubFactory(
        ProgrammeFactory, organisation=factory.SelfAttribute("..organisation")
    )
    opened_on = datetime.date(2026, 3, 12)
    intake_channel = Case.IntakeChannel.WALK_IN


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        skip_postgeneration_save = True

    owner = factory.SubFactory(OrganisationFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, kind=Organisation.Kind.HEALTH_CENTRE, reference_prefix=None
    )
    name = factory.Sequence(lambda n: f"Unidad de Salud {n}")
    kind = Provider.Kind.HEALTH_CENTRE
    phone = "2334-5678"
    opening_hours = "Lunes a viernes, 8:00 a 16:00"

    @factory.post_generation
    def municipalities(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.municipalities.set(extracted)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Atención psicológica {n}")
    category = Service.Category.PSYCHOLOGICAL


class ConsentFactory(factory.django.DjangoModelFactory):
    """A REFERRAL consent; pass ``organisations=[...]`` for the organisations it names."""

    class Meta:
        model = Consent
        skip_postgeneration_save = True

    participant = factory.SubFactory(ParticipantFactory)
    purpose = Consent.Purpose.REFERRAL
    method = Consent.Method.SIGNED
    given_on = datetime.date(2026, 3, 10)
    recorded_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def organisations(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.organisations.set(extracted)


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral written directly, SENT; its service, provider and consent fit its case."""

    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    provider = factory.SubFactory(
        ProviderFactory, owner=factory.SelfAttribute("..case.organisation")
    )
    service = factory.SubFactory(ServiceFactory, provider=factory.SelfAttribute("..provider"))
    consent = factory.LazyAttribute(
        lambda r: ConsentFactory(
            participant=r.case.participant, organisations=[r.provider.organisation]
        )
    )
    reference = factory.Sequence(lambda n: f"RTS-2026-{n:06d}")
    reason = "Necesita acompañamiento psicológico tras el retorno."
    urgency = Referral.Urgency.ROUTINE
    status = Referral.Status.SENT
    sent_at = SENT_AT
    sent_by = factory.SubFactory(UserFactory)
    answer_due_on = datetime.date(2026, 4, 16)
