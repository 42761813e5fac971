"""Who a signed-in user is in the platform: its membership, organisation and role.

Every other app's ``permissions.py`` starts from these functions; none reads
``user.membership`` directly.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from arraigo.accounts.models import Membership, Role, User
from arraigo.core.lookups import get_or_404

# Roles that work with named people of their programmes.
PEOPLE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL})
# Roles that run cases, plans and referrals.
CASE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL})
# Roles that configure programmes and their criteria.
PROGRAMME_MANAGER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def membership_of(user: User | object) -> Membership | None:
    """The active membership of *user*, or ``None`` (anonymous, inactive or without one)."""
    if not isinstance(user, User) or not user.is_active:
        return None
    try:
        membership = user.membership
    except Membership.DoesNotExist:
        return None
    return membership if membership.organisation.is_active else None


def role_of(user: User | object) -> str | None:
    membership = membership_of(user)
    return membership.role if membership else None


def has_role(user: User | object, roles: frozenset[str] | set[str]) -> bool:
    return role_of(user) in roles


def require_role(user: User | object, roles: frozenset[str] | set[str]) -> Membership:
    """The membership of *user* if its role is one of *roles*; otherwise Http404."""
    membership = membership_of(user)
    if membership is None or membership.role not in roles:
        raise Http404
    return membership


def visible_members(user: User) -> QuerySet[Membership]:
    """The memberships an ADMIN manages: everyone in its own organisation."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.ADMIN:
        return Membership.objects.none()
    return Membership.objects.filter(organisation=membership.organisation).select_related("user")


def access_member(*, user: User, pk: object) -> Membership:
    return get_or_404(visible_members(user), pk=pk)


def lacks_required_second_factor(user: User | object) -> bool:
    """Whether *user* is an ADMIN who must set up a second factor before doing anything."""
    if not settings.ARRAIGO_REQUIRE_ADMIN_MFA or role_of(user) != Role.ADMIN:
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
