"""Who may see and do what in seed capital, written once for every page.

Staff who work with people (ADMIN, MANAGER, CASEWORKER, PSYCHOSOCIAL) see the calls of their
own organisation in the programmes they are assigned to (an ADMIN: every programme), with
their applications, plans, awards and visits, as they see cases. ADMIN and MANAGER configure
calls and decide (shortlist, plans, awards, purchase orders). An EVALUATOR sees only the plans
assigned to it, through its own pages with minimal personal data, and never decides.
MONITORING and VIEWER see the calls' indicators (aggregates) and nothing else; PARTNER nothing.

Anything hidden answers 404; something visible whose action the role may not take answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import (
    CASE_ROLES,
    PROGRAMME_MANAGER_ROLES,
    has_role,
    membership_of,
)
from arraigo.core.lookups import get_or_404
from arraigo.livelihoods.models import (
    Application,
    Award,
    BusinessPlan,
    Call,
    DeliveryEvidence,
    EvaluatorAssignment,
    FollowUpVisit,
)
from arraigo.programmes.permissions import visible_programmes

STAFF_ROLES = CASE_ROLES
DECIDER_ROLES = PROGRAMME_MANAGER_ROLES
INDICATOR_ROLES = STAFF_ROLES | {Role.MONITORING, Role.VIEWER}
EVALUATOR_ROLES = frozenset({Role.EVALUATOR})

# What each action needs, on a record the user can see.
ACTIONS: dict[str, frozenset[str]] = {
    # Call pages, applications, ranking, plans, awards, deliveries and visits.
    "view": STAFF_ROLES,
    # Applying for someone, motivation scores, plans, deliveries, contributions, visits.
    "work": STAFF_ROLES,
    # A call's details, rules, criteria, quotas and rubric; programme follow-up settings.
    "configure": DECIDER_ROLES,
    # Approving the shortlist, assigning evaluators, deciding plans, awards and orders.
    "decide": DECIDER_ROLES,
    # The aggregates of a call.
    "indicators": INDICATOR_ROLES,
    # Scoring a plan assigned to oneself.
    "evaluate": EVALUATOR_ROLES,
}


def may(user: User, action: str) -> bool:
    """Whether *user*'s role allows *action* on the seed-capital records it can see.

    :raises ValueError: for an action that does not exist.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown seed-capital action: {action}")
    return has_role(user, ACTIONS[action])


def _allow(user: User, action: str) -> None:
    if not may(user, action):
        raise PermissionDenied


def visible_calls(user: User) -> QuerySet[Call]:
    """The calls *user* may know of: its organisation's, in its programmes.

    Staff and MONITORING/VIEWER (who see only their indicators); nobody else.
    """
    membership = membership_of(user)
    if membership is None or membership.role not in INDICATOR_ROLES:
        return Call.objects.none()
    calls = Call.objects.filter(organisation=membership.organisation)
    if membership.role != Role.ADMIN:
        calls = calls.filter(programme__in=visible_programmes(user))
    return calls


def access_call(*, user: User, pk: object, action: str = "view") -> Call:
    """The call, or Http404 when hidden or missing; PermissionDenied when *action* is not
    the role's."""
    call = get_or_404(visible_calls(user).select_related("programme"), pk=pk)
    _allow(user, action)
    return call


def visible_applications(user: User) -> QuerySet[Application]:
    """Applications to the calls *user* sees, for staff who work with people."""
    if not has_role(user, STAFF_ROLES):
        return Application.objects.none()
    return Application.objects.filter(call__in=visible_calls(user))


def access_application(*, user: User, pk: object, action: str = "view") -> Application:
    application = get_or_404(
        visible_applications(user).select_related("call__programme", "participant"), pk=pk
    )
    _allow(user, action)
    return application


def visible_plans(user: User) -> QuerySet[BusinessPlan]:
    """Business plans *user* may see.

    Staff: the plans of the calls they see. An EVALUATOR: only the plans assigned to it, once
    presented to the committee. Everyone else: none.
    """
    membership = membership_of(user)
    if membership is None:
        return BusinessPlan.objects.none()
    if membership.role in STAFF_ROLES:
        return BusinessPlan.objects.filter(application__call__in=visible_calls(user))
    if membership.role == Role.EVALUATOR:
        return BusinessPlan.objects.filter(
            organisation=membership.organisation,
            assignments__evaluator=user,
        ).exclude(status=BusinessPlan.Status.DRAFT)
    return BusinessPlan.objects.none()


def access_plan(*, user: User, pk: object, action: str = "view") -> BusinessPlan:
    """The plan, or Http404; PermissionDenied when visible but *action* is not the role's.

    An EVALUATOR sees its plans only through its assignments (``access_assignment``): the
    staff pages of a plan, and deciding it, answer it 403.
    """
    plan = get_or_404(
        visible_plans(user).select_related(
            "application__call__programme", "application__participant"
        ),
        pk=pk,
    )
    _allow(user, action)
    return plan


def visible_assignments(user: User) -> QuerySet[EvaluatorAssignment]:
    """An EVALUATOR's own assignments to plans presented to the committee."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.EVALUATOR:
        return EvaluatorAssignment.objects.none()
    return EvaluatorAssignment.objects.filter(evaluator=user, plan__in=visible_plans(user))


def access_assignment(*, user: User, pk: object) -> EvaluatorAssignment:
    return get_or_404(visible_assignments(user).select_related("plan__application__call"), pk=pk)


def visible_awards(user: User) -> QuerySet[Award]:
    if not has_role(user, STAFF_ROLES):
        return Award.objects.none()
    return Award.objects.filter(plan__in=visible_plans(user))


def access_award(*, user: User, pk: object, action: str = "view") -> Award:
    award = get_or_404(
        visible_awards(user).select_related(
            "plan__application__call__programme", "plan__application__participant"
        ),
        pk=pk,
    )
    _allow(user, action)
    return award


def visible_visits(user: User) -> QuerySet[FollowUpVisit]:
    if not has_role(user, STAFF_ROLES):
        return FollowUpVisit.objects.none()
    return FollowUpVisit.objects.filter(award__in=visible_awards(user))


def access_visit(*, user: User, pk: object, action: str = "view") -> FollowUpVisit:
    visit = get_or_404(
        visible_visits(user).select_related(
            "award__plan__application__call__programme", "award__plan__application__participant"
        ),
        pk=pk,
    )
    _allow(user, action)
    return visit


def access_evidence(*, user: User, pk: object) -> DeliveryEvidence:
    """A delivery's photo or signed receipt, for staff who see the award; else Http404."""
    return get_or_404(
        DeliveryEvidence.objects.filter(delivery__award__in=visible_awards(user)), pk=pk
    )
