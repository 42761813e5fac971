"""Who sees and works on which cases: role × action × own/other organisation × programme."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from arraigo.accounts.models import Role
from arraigo.cases.permissions import access_case, may, visible_cases, visible_notes
from arraigo.cases.tests.factories import CaseFactory, CaseNoteFactory
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role)
CASE_STAFF = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL]
NO_CASES = [Role.EVALUATOR, Role.MONITORING, Role.PARTNER, Role.VIEWER]
ACTIONS = ["view", "change", "assign", "close"]

# What each case role may do to a case it sees: True allowed, False 403.
ALLOWED = {
    Role.ADMIN: {"view": True, "change": True, "assign": True, "close": True},
    Role.MANAGER: {"view": True, "change": True, "assign": True, "close": True},
    Role.CASEWORKER: {"view": True, "change": True, "assign": False, "close": False},
    Role.PSYCHOSOCIAL: {"view": True, "change": True, "assign": False, "close": False},
}


@pytest.fixture
def case(programme):
    return CaseFactory(programme=programme)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", CASE_STAFF)
def test_case_staff_of_the_programme(role, action, make_member, organisation, programme, case):
    user = make_member(role, organisation=organisation, programmes=[programme])

    if ALLOWED[role][action]:
        assert access_case(user=user, pk=case.pk, action=action) == case
    else:
        with pytest.raises(PermissionDenied):
            access_case(user=user, pk=case.pk, action=action)
    assert may(user, action) is ALLOWED[role][action]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", NO_CASES)
def test_other_roles_see_no_case(role, action, make_member, organisation, programme, case):
    user = make_member(role, organisation=organisation, programmes=[programme])

    assert not visible_cases(user).exists()
    with pytest.raises(Http404):
        access_case(user=user, pk=case.pk, action=action)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_another_organisations_case_answers_404(
    role, action, make_member, other_organisation, case
):
    their_programme = ProgrammeFactory(organisation=other_organisation)
    user = make_member(role, organisation=other_organisation, programmes=[their_programme])

    assert not visible_cases(user).filter(pk=case.pk).exists()
    with pytest.raises(Http404):
        access_case(user=user, pk=case.pk, action=action)


@pytest.mark.parametrize("role", CASE_STAFF)
def test_a_partner_organisation_of_the_programme_sees_none_of_the_leads_cases(
    role, make_member, other_organisation, programme, case
):
    programme.partners.add(other_organisation)
    user = make_member(role, organisation=other_organisation, programmes=[programme])

    with pytest.raises(Http404):
        access_case(user=user, pk=case.pk)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL])
def test_a_programme_the_user_is_not_in_answers_404(role, action, make_member, organisation, case):
    elsewhere = ProgrammeFactory(organisation=organisation)
    user = make_member(role, organisation=organisation, programmes=[elsewhere])

    with pytest.raises(Http404):
        access_case(user=user, pk=case.pk, action=action)


def test_an_admin_sees_every_case_of_its_organisation(make_member, organisation, case):
    admin = make_member(Role.ADMIN, organisation=organisation)
    other = CaseFactory(programme=ProgrammeFactory(organisation=organisation))

    assert set(visible_cases(admin)) == {case, other}


def test_a_caseworker_sees_only_its_programmes(make_member, organisation, programme, case):
    CaseFactory(programme=ProgrammeFactory(organisation=organisation))
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])

    assert list(visible_cases(user)) == [case]


def test_deactivated_users_and_strangers_see_nothing(make_member, organisation, programme, case):
    user = make_member(Role.CASEWORKER, organisation=organisation, programmes=[programme])
    user.is_active = False
    user.save()

    with pytest.raises(Http404):
        access_case(user=user, pk=case.pk)


def test_a_deactivated_organisation_sees_nothing(make_member, organisation, programme, case):
    user = make_member(Role.ADMIN, organisation=organisation, programmes=[programme])
    organisation.is_active = False
    organisation.save()

    assert not visible_cases(user).exists()


@pytest.mark.parametrize("pk", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
def test_malformed_or_missing_ids_answer_404(make_member, organisation, programme, pk):
    user = make_member(Role.ADMIN, organisation=organisation, programmes=[programme])

    with pytest.raises(Http404):
        access_case(user=user, pk=pk)


def test_an_unknown_action_is_a_programming_error(make_member, organisation, programme, case):
    user = make_member(Role.ADMIN, organisation=organisation, programmes=[programme])

    with pytest.raises(ValueError, match="Unknown case action"):
        access_case(user=user, pk=case.pk, action="delete")


# --- Notes ------------------------------------------------------------------------------------


@pytest.fixture
def notes(case):
    return {
        "standard": CaseNoteFactory(case=case, sensitivity="STANDARD"),
        "restricted": CaseNoteFactory(case=case, sensitivity="RESTRICTED"),
    }


@pytest.mark.parametrize(
    ("role", "sees_restricted"),
    [
        (Role.PSYCHOSOCIAL, True),
        (Role.ADMIN, False),
        (Role.MANAGER, False),
        (Role.CASEWORKER, False),
    ],
)
def test_restricted_notes_only_for_psychosocial_staff(
    role, sees_restricted, make_member, organisation, programme, case, notes
):
    user = make_member(role, organisation=organisation, programmes=[programme])

    visible = set(visible_notes(user, case))

    assert notes["standard"] in visible
    assert (notes["restricted"] in visible) is sees_restricted


@pytest.mark.parametrize("role", NO_CASES)
def test_roles_without_cases_read_no_note(role, make_member, organisation, programme, case, notes):
    user = make_member(role, organisation=organisation, programmes=[programme])

    assert not visible_notes(user, case).exists()


def test_psychosocial_staff_of_another_organisation_read_no_note(
    make_member, other_organisation, case, notes
):
    user = make_member(Role.PSYCHOSOCIAL, organisation=other_organisation)

    assert not visible_notes(user, case).exists()
