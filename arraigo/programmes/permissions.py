"""Which programmes a user works in."""

from django.db.models import Q, QuerySet

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import PROGRAMME_MANAGER_ROLES, has_role, membership_of
from arraigo.core.lookups import get_or_404
from arraigo.programmes.models import Programme


def visible_programmes(user: User) -> QuerySet[Programme]:
    """The programmes *user* works in.

    An ADMIN sees every programme its organisation leads or partners in; everyone else only the
    programmes they are assigned to. PARTNER staff work on referrals, not in programmes.
    """
    membership = membership_of(user)
    if membership is None or membership.role == Role.PARTNER:
        return Programme.objects.none()
    organisation = membership.organisation
    run_by_organisation = Q(organisation=organisation) | Q(partners=organisation)
    mine = Programme.objects.filter(run_by_organisation)
    if membership.role != Role.ADMIN:
        mine = mine.filter(assignments__membership=membership)
    return Programme.objects.filter(pk__in=mine.values("pk"))


def access_programme(*, user: User, pk: object, action: str = "view") -> Programme:
    """The programme, or Http404 when *user* does not work in it or may not do *action*.

    *action* is ``view`` or ``configure`` (criteria, staff); ``configure`` is for ADMIN and MANAGER.
    """
    programmes = visible_programmes(user)
    if action == "configure" and not has_role(user, PROGRAMME_MANAGER_ROLES):
        programmes = programmes.none()
    return get_or_404(programmes, pk=pk)
