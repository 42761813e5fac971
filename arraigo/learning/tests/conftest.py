"""Fixtures of the learning tests: a course of the shared ``programme`` and its staff."""

import datetime

import pytest

from arraigo.accounts.models import Role
from arraigo.learning.tests.factories import CourseFactory

# "Now" in service tests: the course's sessions are on and around this day.
NOW = datetime.datetime(2026, 4, 1, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def manager(make_member, organisation, programme):
    return make_member(Role.MANAGER, organisation=organisation, programmes=[programme])


@pytest.fixture
def course(programme):
    return CourseFactory(programme=programme)
