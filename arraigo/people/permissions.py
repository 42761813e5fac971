"""Who may see and change which participants."""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import PEOPLE_ROLES, membership_of
from arraigo.core.lookups import get_or_404
from arraigo.people.models import Enrolment, Participant
from arraigo.programmes.permissions import visible_programmes

# Roles that register people and change their records.
REGISTRAR_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL})


def visible_participants(user: User, *, include_merged: bool = False) -> QuerySet[Participant]:
    """Every participant *user* may see by name.

    Only staff who work with people (ADMIN, MANAGER, CASEWORKER, PSYCHOSOCIAL); only their own
    organisation's people; and, except for an ADMIN, only people enrolled in a programme the
    user is assigned to. Records merged into another are left out; with *include_merged* they
    are in, for whoever sees the record they were merged into.
    """
    membership = membership_of(user)
    if membership is None or membership.role not in PEOPLE_ROLES:
        return Participant.objects.none()
    participants = Participant.objects.filter(organisation=membership.organisation)
    if not include_merged:
        participants = participants.filter(merged_into__isnull=True)
    if membership.role != Role.ADMIN:
        # Checked row by row with a correlated subquery rather than EXISTS: PostgreSQL turns
        # EXISTS into a merge join that reads every enrolment above a keyset cursor, so a page
        # deep in a registry of a million people took hundreds of milliseconds.
        programmes = visible_programmes(user)
        a_programme_of_mine = Enrolment.objects.filter(
            participant=OuterRef("pk"), programme__in=programmes
        ).values("programme_id")[:1]
        participants = participants.alias(programme_of_mine=Subquery(a_programme_of_mine))
        mine = Q(programme_of_mine__isnull=False)
        if include_merged:
            # A merge moves the enrolments to the record kept: follow them there.
            of_the_record_kept = Enrolment.objects.filter(
                participant=OuterRef("merged_into"), programme__in=programmes
            ).values("programme_id")[:1]
            participants = participants.alias(kept_in_mine=Subquery(of_the_record_kept))
            mine |= Q(merged_into__isnull=False, kept_in_mine__isnull=False)
        participants = participants.filter(mine)
    return participants


def can_register_participants(user: User) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role in REGISTRAR_ROLES


def access_participant(
    *, user: User, pk: object, action: str = "view", include_merged: bool = False
) -> Participant:
    """The participant, or Http404 when hidden or missing.

    *action* ``change`` also needs a role that registers people; otherwise PermissionDenied
    (the person is visible, so a 404 would tell nothing new). A record merged into another is
    found only with *include_merged* (its own page, its history); it is never changed.
    """
    participant = get_or_404(visible_participants(user, include_merged=include_merged), pk=pk)
    if action == "change" and participant.merged_into_id is not None:
        raise PermissionDenied
    if action == "change" and not can_register_participants(user):
        raise PermissionDenied
    return participant
