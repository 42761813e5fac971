"""Who may check, review, merge and unmerge: role × action × own/other organisation."""

import datetime
from dataclasses import dataclass

import pytest
from django.http import Http404
from django.urls import reverse

from arraigo.accounts.models import Role, User
from arraigo.dedup import permissions, services
from arraigo.dedup.models import BatchJob, CandidatePair, Merge
from arraigo.dedup.tests.factories import register
from arraigo.people.models import Participant
from arraigo.people.permissions import access_participant, visible_participants
from arraigo.programmes.models import Programme
from arraigo.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)
REVIEWERS = [Role.ADMIN, Role.MANAGER]
NOT_REVIEWERS = [
    Role.CASEWORKER,
    Role.PSYCHOSOCIAL,
    Role.EVALUATOR,
    Role.MONITORING,
    Role.PARTNER,
    Role.VIEWER,
]
CHECKERS = [Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL]


@dataclass
class Side:
    programme: Programme
    pair: CandidatePair
    job: BatchJob
    merge: Merge
    merged: Participant


def _side(organisation, make_member) -> Side:
    programme = ProgrammeFactory(organisation=organisation)
    admin = make_member(Role.ADMIN, organisation=organisation)
    first = register(by=admin, programme=programme, at=AT)
    second = register(by=admin, programme=programme, at=AT, first_surname="Hernandes")
    third = register(by=admin, programme=programme, at=AT, given_names="Maria")
    a, b = sorted([first.pk, second.pk])
    pair = CandidatePair.objects.create(
        organisation=organisation,
        participant_a_id=a,
        participant_b_id=b,
        probability=0.9,
        found_by=CandidatePair.FoundBy.BATCH,
        found_at=AT,
    )
    job = services.batch_job_start(by=admin, at=AT, programme=programme)
    merge = services.merge_participants(survivor=first, merged=third, by=admin, at=AT)
    return Side(programme=programme, pair=pair, job=job, merge=merge, merged=third)


@pytest.fixture
def own(organisation, make_member) -> Side:
    return _side(organisation, make_member)


@pytest.fixture
def other(other_organisation, make_member) -> Side:
    return _side(other_organisation, make_member)


def _member(make_member, role, organisation, side: Side) -> User:
    return make_member(role, organisation=organisation, programmes=[side.programme])


@pytest.mark.parametrize("role", REVIEWERS)
def test_managers_and_admins_review_merge_and_undo_in_their_organisation(
    role, make_member, organisation, own
):
    user = _member(make_member, role, organisation, own)

    assert permissions.access_pair(user=user, pk=own.pair.pk, action="merge") == own.pair
    assert permissions.access_pair(user=user, pk=own.pair.pk, action="decide") == own.pair
    assert permissions.access_batch_job(user=user, pk=own.job.pk) == own.job
    assert permissions.access_merge(user=user, pk=own.merge.pk, action="undo") == own.merge


@pytest.mark.parametrize("role", REVIEWERS)
def test_another_organisations_pairs_passes_and_merges_answer_404(
    role, make_member, organisation, own, other
):
    user = _member(make_member, role, organisation, own)

    with pytest.raises(Http404):
        permissions.access_pair(user=user, pk=other.pair.pk)
    with pytest.raises(Http404):
        permissions.access_batch_job(user=user, pk=other.job.pk)
    with pytest.raises(Http404):
        permissions.access_merge(user=user, pk=other.merge.pk)
    assert not permissions.visible_pairs(user).filter(pk=other.pair.pk).exists()


@pytest.mark.parametrize("role", NOT_REVIEWERS)
def test_other_roles_see_no_pair_pass_or_merge(role, make_member, organisation, own):
    user = _member(make_member, role, organisation, own)

    assert not permissions.visible_pairs(user).exists()
    assert not permissions.visible_batch_jobs(user).exists()
    assert not permissions.visible_merges(user).exists()
    with pytest.raises(Http404):
        permissions.access_pair(user=user, pk=own.pair.pk)
    with pytest.raises(Http404):
        permissions.access_merge(user=user, pk=own.merge.pk)


def test_a_manager_sees_only_pairs_whose_two_people_are_in_its_programmes(
    make_member, organisation, own
):
    elsewhere = ProgrammeFactory(organisation=organisation)
    manager = make_member(Role.MANAGER, organisation=organisation, programmes=[elsewhere])
    admin = make_member(Role.ADMIN, organisation=organisation)

    with pytest.raises(Http404):
        permissions.access_pair(user=manager, pk=own.pair.pk)
    with pytest.raises(Http404):
        permissions.access_batch_job(user=manager, pk=own.job.pk)
    with pytest.raises(Http404):
        permissions.access_merge(user=manager, pk=own.merge.pk)
    assert permissions.access_pair(user=admin, pk=own.pair.pk) == own.pair


@pytest.mark.parametrize(("role", "allowed"), [(role, role in CHECKERS) for role in Role.values])
def test_the_check_is_for_roles_that_register_people(role, allowed, make_member, organisation):
    user = make_member(role, organisation=organisation)

    assert permissions.may(user, "check") is allowed


@pytest.mark.parametrize(("role", "allowed"), [(Role.ADMIN, True), (Role.MANAGER, False)])
def test_only_an_admin_runs_a_pass_over_the_whole_organisation(
    role, allowed, make_member, organisation
):
    assert (
        permissions.may(make_member(role, organisation=organisation), "run_organisation_pass")
        is allowed
    )


def test_an_unknown_action_is_an_error(make_member, organisation):
    with pytest.raises(ValueError, match="Unknown"):
        permissions.may(make_member(Role.ADMIN, organisation=organisation), "delete")


# --- Merged records ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", CHECKERS)
def test_a_merged_record_leaves_lists_but_keeps_its_page(role, make_member, organisation, own):
    user = _member(make_member, role, organisation, own)

    assert not visible_participants(user).filter(pk=own.merged.pk).exists()
    with pytest.raises(Http404):
        access_participant(user=user, pk=own.merged.pk)
    assert access_participant(user=user, pk=own.merged.pk, include_merged=True) == own.merged


def test_a_merged_records_page_follows_the_record_kept(make_member, organisation, own):
    elsewhere = ProgrammeFactory(organisation=organisation)
    outsider = make_member(Role.CASEWORKER, organisation=organisation, programmes=[elsewhere])

    with pytest.raises(Http404):
        access_participant(user=outsider, pk=own.merged.pk, include_merged=True)


def test_a_merged_record_is_never_changed(make_member, organisation, own):
    from django.core.exceptions import PermissionDenied

    admin = make_member(Role.ADMIN, organisation=organisation)

    with pytest.raises((Http404, PermissionDenied)):
        access_participant(user=admin, pk=own.merged.pk, action="change")
    with pytest.raises(PermissionDenied):
        access_participant(user=admin, pk=own.merged.pk, action="change", include_merged=True)


# --- Pages --------------------------------------------------------------------------------------


def _pages(side: Side) -> list[tuple[str, str]]:
    return [
        ("get", reverse("dedup:list")),
        ("get", reverse("dedup:pass_new")),
        ("get", reverse("dedup:pass_detail", args=[side.job.pk])),
        ("get", reverse("dedup:pair", args=[side.pair.pk])),
        ("get", reverse("dedup:merge", args=[side.merge.pk])),
    ]


def _actions(side: Side) -> list[str]:
    return [
        reverse("dedup:pair_not_duplicate", args=[side.pair.pk]),
        reverse("dedup:pair_dismiss", args=[side.pair.pk]),
        reverse("dedup:pair_merge", args=[side.pair.pk]),
        reverse("dedup:merge_undo", args=[side.merge.pk]),
    ]


@pytest.mark.parametrize("role", REVIEWERS)
def test_reviewers_open_every_page(role, client, make_member, organisation, own):
    client.force_login(_member(make_member, role, organisation, own))

    for _method, url in _pages(own):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", NOT_REVIEWERS)
def test_every_page_and_action_answers_404_to_other_roles(
    role, client, make_member, organisation, own
):
    client.force_login(_member(make_member, role, organisation, own))

    for _method, url in _pages(own):
        assert client.get(url).status_code == 404, url
    for url in _actions(own):
        assert client.post(url).status_code == 404, url
    own.pair.refresh_from_db()
    assert own.pair.status == CandidatePair.Status.OPEN
    assert Merge.objects.get(pk=own.merge.pk).undone_at is None


@pytest.mark.parametrize("role", REVIEWERS)
def test_another_organisations_pages_and_actions_answer_404(
    role, client, make_member, organisation, own, other
):
    client.force_login(_member(make_member, role, organisation, own))

    for _method, url in _pages(other)[2:]:
        assert client.get(url).status_code == 404, url
    for url in _actions(other):
        assert client.post(url).status_code == 404, url
    other.pair.refresh_from_db()
    assert other.pair.status == CandidatePair.Status.OPEN


def test_the_menu_shows_duplicates_to_managers_and_admins_only(client, make_member, organisation):
    for role in Role.values:
        client.force_login(make_member(role, organisation=organisation))
        text = client.get(reverse("core:home"), follow=True).content.decode()
        assert (reverse("dedup:list") in text) is (role in REVIEWERS), role
