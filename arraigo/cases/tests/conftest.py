"""Fixtures of the cases tests: a case in the shared ``programme`` and its staff."""

import datetime

import pytest

from arraigo.accounts.models import Role
from arraigo.cases.tests.factories import CaseFactory

# "Now" in service tests: a few weeks after the factories' cases were opened.
NOW = datetime.datetime(2026, 4, 1, 15, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def manager(make_member, organisation, programme):
    return make_member(Role.MANAGER, organisation=organisation, programmes=[programme])


@pytest.fixture
def psychologist(make_member, organisation, programme):
    return make_member(Role.PSYCHOSOCIAL, organisation=organisation, programmes=[programme])


@pytest.fixture
def case(programme, caseworker):
    return CaseFactory(programme=programme, assigned_to=caseworker)
