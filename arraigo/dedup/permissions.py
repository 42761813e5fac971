"""Who may check for, review, merge and unmerge possible duplicates.

* The check at registration: every role that registers people. It looks at the whole
  organisation's registry (a person registered in another programme is still the same person);
  people the user may not see are shown by reference only.
* Passes, the review queue, merges and their undoing: ADMIN and MANAGER. An ADMIN works on the
  whole organisation; a MANAGER on the pairs whose two people are both in its programmes, the
  passes over its programmes and the merges of people it sees. Caseworkers get no queue: it
  puts people of every programme side by side.
* Sharing agreements: an ADMIN of either organisation sees them and may end them.
* Everyone else, and another organisation's pairs, passes, merges and agreements: 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from arraigo.accounts.models import Membership, Role, User
from arraigo.accounts.permissions import (
    PROGRAMME_MANAGER_ROLES,
    has_role,
    membership_of,
    require_role,
)
from arraigo.core.lookups import get_or_404
from arraigo.dedup.models import BatchJob, CandidatePair, Merge, SharingAgreement
from arraigo.people.permissions import REGISTRAR_ROLES, visible_participants
from arraigo.programmes.permissions import visible_programmes

# What each action needs.
DEDUP_ACTIONS: dict[str, frozenset[str]] = {
    "check": REGISTRAR_ROLES,
    "review": PROGRAMME_MANAGER_ROLES,
    "decide": PROGRAMME_MANAGER_ROLES,
    "merge": PROGRAMME_MANAGER_ROLES,
    "undo": PROGRAMME_MANAGER_ROLES,
    "run_pass": PROGRAMME_MANAGER_ROLES,
    "run_organisation_pass": frozenset({Role.ADMIN}),
    "agreements": frozenset({Role.ADMIN}),
}


def may(user: User, action: str) -> bool:
    """Whether *user*'s role allows *action*.

    :raises ValueError: for an action that does not exist.
    """
    if action not in DEDUP_ACTIONS:
        raise ValueError(f"Unknown duplicate-detection action: {action}")
    return has_role(user, DEDUP_ACTIONS[action])


def visible_pairs(user: User) -> QuerySet[CandidatePair]:
    """The possible duplicates *user* may review: its organisation's, both people visible."""
    membership = membership_of(user)
    if membership is None or not may(user, "review"):
        return CandidatePair.objects.none()
    pairs = CandidatePair.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        people = visible_participants(user, include_merged=True).values("pk")
        pairs = pairs.filter(participant_a__in=people, participant_b__in=people)
    return pairs


def visible_batch_jobs(user: User) -> QuerySet[BatchJob]:
    """The passes *user* may follow: an ADMIN all of its organisation's; a MANAGER those over
    its programmes."""
    membership = membership_of(user)
    if membership is None or not may(user, "run_pass"):
        return BatchJob.objects.none()
    jobs = BatchJob.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        jobs = jobs.filter(programme__in=visible_programmes(user))
    return jobs


def visible_merges(user: User) -> QuerySet[Merge]:
    """The merges *user* may read and undo: of people it sees (the record kept)."""
    membership = membership_of(user)
    if membership is None or not may(user, "merge"):
        return Merge.objects.none()
    merges = Merge.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        merges = merges.filter(survivor__in=visible_participants(user, include_merged=True))
    return merges


def access_pair(*, user: User, pk: object, action: str = "review") -> CandidatePair:
    """The pair, or Http404 when hidden or missing; a visible pair whose *action* the role may
    not take raises PermissionDenied."""
    pair = get_or_404(
        visible_pairs(user).select_related("participant_a", "participant_b", "batch"), pk=pk
    )
    if not may(user, action):
        raise PermissionDenied
    return pair


def access_batch_job(*, user: User, pk: object) -> BatchJob:
    return get_or_404(visible_batch_jobs(user).select_related("programme", "started_by"), pk=pk)


def access_merge(*, user: User, pk: object, action: str = "review") -> Merge:
    merge = get_or_404(
        visible_merges(user).select_related("survivor", "merged", "merged_by", "undone_by"),
        pk=pk,
    )
    if not may(user, action):
        raise PermissionDenied
    return merge


def require_agreements(user: User) -> Membership:
    """The membership of a user who may see its organisation's agreements; Http404 otherwise."""
    return require_role(user, DEDUP_ACTIONS["agreements"])


def visible_agreements(user: User) -> QuerySet[SharingAgreement]:
    """The sharing agreements of an ADMIN's organisation, on either side."""
    membership = membership_of(user)
    if membership is None or not may(user, "agreements"):
        return SharingAgreement.objects.none()
    organisation = membership.organisation_id
    return SharingAgreement.objects.filter(
        Q(organisation_a=organisation) | Q(organisation_b=organisation)
    )


def access_agreement(*, user: User, pk: object) -> SharingAgreement:
    return get_or_404(
        visible_agreements(user).select_related(
            "organisation_a", "organisation_b", "recorded_by", "ended_by"
        ),
        pk=pk,
    )
