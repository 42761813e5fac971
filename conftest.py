"""Fixtures shared by every test module."""

from collections.abc import Callable, Iterable

import pytest

from arraigo.accounts.models import Membership, Organisation, User
from arraigo.accounts.tests.factories import MembershipFactory, OrganisationFactory
from arraigo.programmes.models import Programme, StaffAssignment
from arraigo.programmes.tests.factories import ProgrammeFactory


@pytest.fixture(autouse=True)
def _fast_and_predictable(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ARRAIGO_REQUIRE_ADMIN_MFA = False
    settings.LANGUAGE_CODE = "en"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


MakeMember = Callable[..., User]


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory(country="SV", reference_prefix="SV")


@pytest.fixture
def other_organisation(db: None) -> Organisation:
    return OrganisationFactory(country="SV", reference_prefix="OT")


@pytest.fixture
def programme(organisation: Organisation) -> Programme:
    return ProgrammeFactory(organisation=organisation)


@pytest.fixture
def make_member(db: None) -> MakeMember:
    """``make_member(role, organisation=..., programmes=[...])`` → a user with that membership."""

    def make(
        role: str, *, organisation: Organisation, programmes: Iterable[Programme] = ()
    ) -> User:
        membership: Membership = MembershipFactory(role=role, organisation=organisation)
        for programme in programmes:
            StaffAssignment.objects.create(membership=membership, programme=programme)
        return membership.user

    return make
