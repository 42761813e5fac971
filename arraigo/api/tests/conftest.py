"""Two organisations, each with a programme, a participant, a case and a referral to a partner.

Tests call the API as a member of either organisation, through its token, and check that the
answers are the same as the pages': what a user may not see does not exist.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from arraigo.accounts.models import Organisation, Role, User
from arraigo.accounts.tests.factories import OrganisationFactory
from arraigo.api.tests.factories import issue_api_key
from arraigo.cases.models import Case
from arraigo.cases.tests.factories import CaseFactory
from arraigo.people.models import Consent, Participant
from arraigo.programmes.models import Programme
from arraigo.programmes.tests.factories import ProgrammeFactory
from arraigo.referrals.models import Provider, Referral, Service
from arraigo.referrals.tests.factories import (
    ConsentFactory,
    ProviderFactory,
    ReferralFactory,
    ServiceFactory,
)

STAFF_ROLES = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL]
NO_API_ROLES = [Role.EVALUATOR, Role.MONITORING, Role.VIEWER]
ALL_ROLES = list(Role)


@dataclass
class Side:
    """One organisation's world: its programme, a person with a case, and a referral."""

    organisation: Organisation
    programme: Programme
    caseworker: User
    participant: Participant
    case: Case
    partner_organisation: Organisation
    partner: User
    provider: Provider
    service: Service
    consent: Consent
    referral: Referral


def _side(organisation: Organisation, make_member: Callable[..., User], name: str) -> Side:
    programme = ProgrammeFactory(organisation=organisation)
    caseworker = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    case = CaseFactory(
        programme=programme,
        assigned_to=caseworker,
        participant__organisation=organisation,
        participant__given_names=f"María {name}",
    )
    partner_organisation = OrganisationFactory(
        name=f"Clínica {name}", kind=Organisation.Kind.HEALTH_CENTRE, reference_prefix=None
    )
    partner = make_member(Role.PARTNER, organisation=partner_organisation)
    provider = ProviderFactory(
        owner=organisation,
        organisation=partner_organisation,
        municipalities=[case.participant.municipality],
    )
    service = ServiceFactory(provider=provider)
    consent = ConsentFactory(participant=case.participant, organisations=[partner_organisation])
    referral = ReferralFactory(case=case, provider=provider, service=service, consent=consent)
    return Side(
        organisation=organisation,
        programme=programme,
        caseworker=caseworker,
        participant=case.participant,
        case=case,
        partner_organisation=partner_organisation,
        partner=partner,
        provider=provider,
        service=service,
        consent=consent,
        referral=referral,
    )


@pytest.fixture
def own(organisation, make_member) -> Side:
    return _side(organisation, make_member, "Propia")


@pytest.fixture
def other(other_organisation, make_member) -> Side:
    return _side(other_organisation, make_member, "Ajena")


MemberOf = Callable[[str, Side], User]


@pytest.fixture
def member_of(make_member) -> MemberOf:
    """``member_of(role, side)``: a user of that side's organisation, in its programme.

    PARTNER users belong to the side's partner organisation, the one its referrals go to.
    """

    def make(role: str, side: Side) -> User:
        if role == Role.PARTNER:
            return make_member(role, organisation=side.partner_organisation)
        return make_member(role, organisation=side.organisation, programmes=[side.programme])

    return make


def client_for(user: User | None, *, language: str = "en") -> APIClient:
    """An API client sending *user*'s token (none for ``None``) and asking for *language*."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.default_format = "json"  # the API reads JSON only
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_key(user)}")
    return client


@pytest.fixture
def api() -> Callable[..., APIClient]:
    return client_for
