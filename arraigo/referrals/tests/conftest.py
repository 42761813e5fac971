"""A referring organisation with a case, and a partner provider in its directory."""

import datetime
from dataclasses import dataclass

import pytest

from arraigo.accounts.models import Organisation, Role, User
from arraigo.accounts.tests.factories import OrganisationFactory
from arraigo.cases.models import Case
from arraigo.people.models import Consent
from arraigo.programmes.models import Programme
from arraigo.referrals.models import Provider, Service
from arraigo.referrals.tests.factories import (
    CaseFactory,
    ConsentFactory,
    ProviderFactory,
    ServiceFactory,
)

# A Monday morning in San Salvador.
NOW = datetime.datetime(2026, 4, 6, 15, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 4, 6)


@dataclass
class World:
    organisation: Organisation
    programme: Programme
    caseworker: User
    case: Case
    partner_organisation: Organisation
    partner: User
    provider: Provider
    service: Service
    consent: Consent


@pytest.fixture
def partner_organisation(db: None) -> Organisation:
    return OrganisationFactory(
        name="Unidad Comunitaria de Salud Familiar Zacatecoluca",
        kind=Organisation.Kind.HEALTH_CENTRE,
        reference_prefix=None,
    )


@pytest.fixture
def world(organisation, programme, partner_organisation, make_member) -> World:
    caseworker = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    partner = make_member(Role.PARTNER, organisation=partner_organisation)
    case = CaseFactory(organisation=organisation, programme=programme, assigned_to=caseworker)
    provider = ProviderFactory(
        owner=organisation,
        organisation=partner_organisation,
        name="UCSF Zacatecoluca",
        municipalities=[case.participant.municipality],
    )
    service = ServiceFactory(provider=provider, name="Atención psicológica individual")
    consent = ConsentFactory(participant=case.participant, organisations=[partner_organisation])
    return World(
        organisation=organisation,
        programme=programme,
        caseworker=caseworker,
        case=case,
        partner_organisation=partner_organisation,
        partner=partner,
        provider=provider,
        service=service,
        consent=consent,
    )
