"""Fixtures of the seed-capital tests: a programme's staff, evaluators and an open call."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from arraigo.accounts.models import Role
from arraigo.livelihoods.models import Call
from arraigo.livelihoods.tests.factories import CallFactory
from arraigo.people.models import Enrolment, Participant
from arraigo.people.tests.factories import ParticipantFactory

# "Now" in service tests: a Monday while the call takes applications.
NOW = datetime.datetime(2026, 5, 4, 15, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(make_member, organisation, programme):
    return make_member(Role.MANAGER, organisation=organisation, programmes=[programme])


@pytest.fixture
def caseworker(make_member, organisation, programme):
    return make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])


@pytest.fixture
def evaluators(make_member, organisation):
    return [make_member(Role.EVALUATOR, organisation=organisation) for _ in range(4)]


@pytest.fixture
def call(programme, manager) -> Call:
    return CallFactory(programme=programme, created_by=manager)


MakeApplicant = Callable[..., Participant]


@pytest.fixture
def make_applicant(call: Call) -> MakeApplicant:
    """``make_applicant(sex=..., ...)`` → a participant of the call's organisation, enrolled
    in its programme."""

    def make(**fields: Any) -> Participant:
        participant = ParticipantFactory(organisation=call.organisation, **fields)
        Enrolment.objects.create(
            participant=participant, programme=call.programme, enrolled_on=participant.registered_on
        )
        return participant

    return make


def money(value: str) -> Decimal:
    return Decimal(value)
