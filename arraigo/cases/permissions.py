"""Who may see and work on which cases, and who reads restricted notes."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import CASE_ROLES, has_role, membership_of
from arraigo.cases.models import Case, CaseNote
from arraigo.core.lookups import get_or_404
from arraigo.programmes.permissions import visible_programmes

# What each action on a visible case needs. Closures are approved by programme management.
CASE_ACTIONS: dict[str, frozenset[str]] = {
    "view": CASE_ROLES,
    "change": CASE_ROLES,
    "assign": frozenset({Role.ADMIN, Role.MANAGER}),
    "close": frozenset({Role.ADMIN, Role.MANAGER}),
}
# Roles that read and write RESTRICTED notes.
RESTRICTED_NOTE_ROLES = frozenset({Role.PSYCHOSOCIAL})


def visible_cases(user: User) -> QuerySet[Case]:
    """Every case *user* may see.

    Only staff who run cases (ADMIN, MANAGER, CASEWORKER, PSYCHOSOCIAL); only their own
    organisation's cases; and, except for an ADMIN, only in the programmes they are assigned to.
    """
    membership = membership_of(user)
    if membership is None or membership.role not in CASE_ROLES:
        return Case.objects.none()
    cases = Case.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        cases = cases.filter(programme__in=visible_programmes(user))
    return cases


def may(user: User, action: str) -> bool:
    """Whether *user*'s role allows *action* on the cases it can see.

    :raises ValueError: for an action that does not exist.
    """
    if action not in CASE_ACTIONS:
        raise ValueError(f"Unknown case action: {action}")
    return has_role(user, CASE_ACTIONS[action])


def access_case(*, user: User, pk: object, action: str = "view") -> Case:
    """The case, or Http404 when hidden or missing.

    *action* is ``view``, ``change`` (plan, notes, assessments), ``assign`` or ``close`` (close
    and reopen). A visible case whose action the role does not allow answers PermissionDenied.
    """
    case = get_or_404(
        visible_cases(user).select_related("participant", "programme", "assigned_to"), pk=pk
    )
    if not may(user, action):
        raise PermissionDenied
    return case


def reads_restricted_notes(user: User) -> bool:
    return has_role(user, RESTRICTED_NOTE_ROLES)


def visible_notes(user: User, case: Case) -> QuerySet[CaseNote]:
    """The notes of *case* that *user* may read: RESTRICTED ones only for psychosocial staff."""
    if not visible_cases(user).filter(pk=case.pk).exists():
        return CaseNote.objects.none()
    notes = CaseNote.objects.filter(case=case)
    if not reads_restricted_notes(user):
        notes = notes.exclude(sensitivity=CaseNote.Sensitivity.RESTRICTED)
    return notes
