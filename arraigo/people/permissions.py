"""Who may see and change which participants."""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import PEOPLE_ROLES, membership_of
from arraigo.core.lookups import get_or_404
from arraigo.people.models import Enrolment, Participant
from arraigo.programmes.permissions import visible_programmes

# Roles that register people and change their records.
REGISTRAR_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL})


def visible_participants(user: User) -> QuerySet[Participant]:
    """Every participant *user* may see by name.

    Only staff who work with people (ADMIN, MANAGER, CASEWORKER, PSYCHOSOCIAL); only their own
    organisation's people; and, except for an ADMIN, only people enrolled in a programme the
    user is assigned to.
    """
    membership = membership_of(user)
    if membership is None or membership.role not in PEOPLE_ROLES:
        return Participant.objects.none()
    participants = Participant.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        # Checked row by row with a correlated subquery rather than EXISTS: PostgreSQL turns
        # EXISTS into a merge join that reads every enrolment above a keyset cursor, so a page
        # deep in a registry of a million people took hundreds of milliseconds.
        a_programme_of_mine = Enrolment.objects.filter(
            participant=OuterRef("pk"), programme__in=visible_programmes(user)
        ).values("programme_id")[:1]
        participants = participants.alias(programme_of_mine=Subquery(a_programme_of_mine)).filter(
            programme_of_mine__isnull=False
        )
    return participants


def can_register_participants(user: User) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role in REGISTRAR_ROLES


def access_participant(*, user: User, pk: object, action: str = "view") -> Participant:
    """The participant, or Http404 when hidden or missing.

    *action* ``change`` also needs a role that registers people; otherwise PermissionDenied
    (the person is visible, so a 404 would tell nothing new).
    """
    participant = get_or_404(visible_participants(user), pk=pk)
    if action == "change" and not can_register_participants(user):
        raise PermissionDenied
    return participant
