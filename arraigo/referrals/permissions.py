"""Who may see and act on which providers and referrals.

Staff see the referrals of the cases they may see; PARTNER staff see only the referrals addressed
to their own organisation. Anything hidden answers 404; a visible record with an action the
user's role may not take answers PermissionDenied.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import CASE_ROLES, PROGRAMME_MANAGER_ROLES, membership_of
from arraigo.cases.permissions import visible_cases
from arraigo.core.lookups import get_or_404
from arraigo.referrals.models import Provider, Referral, ReferralQuerySet, Service

# Who may take each action on a referral it can see.
REFERRAL_ACTION_ROLES: dict[str, frozenset[str]] = {
    "view": CASE_ROLES | {Role.PARTNER},
    "answer": frozenset({Role.PARTNER}),
    "complete": frozenset({Role.PARTNER}),
    "cancel": CASE_ROLES,
}
# Who may add and edit entries of its organisation's service directory.
DIRECTORY_EDITOR_ROLES = PROGRAMME_MANAGER_ROLES


def visible_referrals(user: User) -> ReferralQuerySet:
    """Every referral *user* may see.

    Staff who run cases: the referrals of the cases they may see. PARTNER staff: the referrals
    addressed to their organisation, unless the participant has since withdrawn the consent that
    allowed them. Everyone else: none.
    """
    membership = membership_of(user)
    if membership is None:
        return Referral.objects.none()
    if membership.role in CASE_ROLES:
        return Referral.objects.filter(case__in=visible_cases(user))
    if membership.role == Role.PARTNER:
        return Referral.objects.filter(
            provider__organisation=membership.organisation,
        ).exclude(consent__withdrawn_on__lte=timezone.localdate())
    return Referral.objects.none()


def can_act_on_referral(user: User, action: str) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role in REFERRAL_ACTION_ROLES[action]


def access_referral(*, user: User, pk: object, action: str = "view") -> Referral:
    """The referral, or Http404 when hidden or missing.

    *action* is ``view``, ``answer`` or ``complete`` (PARTNER staff of the provider), or
    ``cancel`` (staff of the referring organisation); a visible referral with an action the
    user's role may not take raises PermissionDenied.
    """
    referral = get_or_404(
        visible_referrals(user)
        .with_due_dates(timezone.localdate())
        .select_related(
            "case__participant__municipality",
            "case__organisation",
            "case__programme",
            "provider__organisation",
            "service",
            "consent",
            "sent_by",
        ),
        pk=pk,
    )
    if not can_act_on_referral(user, action):
        raise PermissionDenied
    return referral


def referral_actions(user: User, referral: Referral) -> frozenset[str]:
    """The actions *user* may take on *referral* now, given its role and the referral's status."""
    open_for = {
        "answer": {Referral.Status.SENT},
        "complete": {Referral.Status.ACCEPTED},
        "cancel": {Referral.Status.SENT, Referral.Status.ACCEPTED},
    }
    return frozenset(
        action
        for action, statuses in open_for.items()
        if referral.status in statuses and can_act_on_referral(user, action)
    )


def visible_providers(user: User) -> QuerySet[Provider]:
    """The entries of the service directory of *user*'s organisation, for its staff."""
    membership = membership_of(user)
    if membership is None or membership.role not in CASE_ROLES:
        return Provider.objects.none()
    return Provider.objects.filter(owner=membership.organisation)


def can_edit_directory(user: User) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role in DIRECTORY_EDITOR_ROLES


def can_manage_partner_accounts(user: User) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role == Role.ADMIN


def access_provider(*, user: User, pk: object, action: str = "view") -> Provider:
    """The directory entry, or Http404 when hidden or missing.

    *action* is ``view``, ``change`` (ADMIN and MANAGER) or ``manage_accounts`` (ADMIN: the
    sign-in accounts of the provider's staff); a role that may not raises PermissionDenied.
    """
    provider = get_or_404(visible_providers(user), pk=pk)
    if action == "change" and not can_edit_directory(user):
        raise PermissionDenied
    if action == "manage_accounts" and not can_manage_partner_accounts(user):
        raise PermissionDenied
    return provider


def access_service(*, user: User, pk: object, action: str = "view") -> Service:
    """A service of a directory entry *user* may see; same rules as ``access_provider``."""
    service = get_or_404(
        Service.objects.filter(provider__in=visible_providers(user)).select_related("provider"),
        pk=pk,
    )
    if action == "change" and not can_edit_directory(user):
        raise PermissionDenied
    return service
