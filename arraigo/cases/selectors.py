"""Reads of cases for pages and other apps, always from a permission-scoped queryset."""

import datetime
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import CASE_ROLES, membership_of
from arraigo.cases.models import (
    Case,
    CaseNote,
    Dimension,
    NeedsAssessment,
    PlanAction,
    PlanGoal,
    VulnerabilityCriterion,
    VulnerabilityScreening,
    VulnerabilityThresholds,
    default_criteria,
)
from arraigo.cases.permissions import reads_restricted_notes, visible_cases
from arraigo.cases.timeline import PERSON_ACTIONS
from arraigo.core.models import AuditEvent
from arraigo.people.models import Participant, Sex
from arraigo.programmes.models import Programme
from arraigo.programmes.permissions import visible_programmes

# How far ahead "My work" looks for plan actions coming due.
DUE_SOON_DAYS = 7
OPEN_CASE_STATUSES = (Case.Status.OPEN, Case.Status.ACTIVE)
CASE_LIST_ORDERING = ["-opened_on", "-id"]


def programme_staff(*, programme: Programme, organisation_id: UUID) -> QuerySet[User]:
    """Staff who may carry cases of *programme*: active members of the case's organisation,
    with a case role, assigned to the programme."""
    return User.objects.filter(
        is_active=True,
        membership__organisation_id=organisation_id,
        membership__organisation__is_active=True,
        membership__role__in=CASE_ROLES,
        membership__assignments__programme=programme,
    ).order_by("full_name", "email")


def staff_for_programmes(*, user: User, programmes: QuerySet[Programme]) -> QuerySet[User]:
    """Staff of *user*'s organisation who work in any of *programmes* (for choosing someone)."""
    membership = membership_of(user)
    if membership is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True,
            membership__organisation=membership.organisation,
            membership__role__in=CASE_ROLES,
            membership__assignments__programme__in=programmes,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def participant_cases(*, user: User, participant: Participant) -> QuerySet[Case]:
    """The cases of *participant* that *user* may see, newest first."""
    return (
        visible_cases(user)
        .filter(participant=participant)
        .select_related("programme", "assigned_to")
        .order_by(*CASE_LIST_ORDERING)
    )


def case_counts(*, programme: Programme) -> dict[str, int]:
    """How many cases *programme* has in each status (every status present, zero included).

    Not scoped to a user: the caller has already checked that the programme is visible.
    """
    counts = dict.fromkeys(Case.Status.values, 0)
    for row in Case.objects.filter(programme=programme).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def _overdue_actions(today: datetime.date) -> QuerySet[PlanAction]:
    return PlanAction.objects.filter(
        case=OuterRef("pk"), status__in=PlanAction.OPEN_STATUSES, due_on__lt=today
    )


def with_next_due(cases: QuerySet[Case], *, today: datetime.date) -> QuerySet[Case]:
    """*cases* annotated with ``next_due_on`` (earliest open action) and ``has_overdue``.

    Both are correlated subqueries, so a keyset page costs the same however many cases there are.
    """
    next_due = (
        PlanAction.objects.filter(case=OuterRef("pk"), status__in=PlanAction.OPEN_STATUSES)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return cases.annotate(
        next_due_on=Subquery(next_due),
        has_overdue=Exists(_overdue_actions(today)),
    )


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    programme: Programme | None = None
    assigned: str = ""  # "", "me", "none" or a staff user id
    overdue: bool = False
    participants: list[UUID] | None = None  # from a name search; None means no search


def case_list(*, user: User, filters: CaseFilters, today: datetime.date) -> QuerySet[Case]:
    """The cases of the list page, filtered; order with ``CASE_LIST_ORDERING``."""
    cases = visible_cases(user).select_related("participant", "programme", "assigned_to")
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.programme is not None:
        cases = cases.filter(programme=filters.programme)
    if filters.assigned == "me":
        cases = cases.filter(assigned_to=user)
    elif filters.assigned == "none":
        cases = cases.filter(assigned_to__isnull=True)
    elif filters.assigned:
        cases = cases.filter(assigned_to_id=UUID(filters.assigned))
    if filters.overdue:
        cases = cases.filter(Exists(_overdue_actions(today)))
    if filters.participants is not None:
        cases = cases.filter(participant_id__in=filters.participants)
    return with_next_due(cases, today=today)


def oversees_programmes(user: User) -> bool:
    """Whether "My work" shows *user* the work of its programmes rather than its own."""
    membership = membership_of(user)
    return membership is not None and membership.role in {Role.ADMIN, Role.MANAGER}


def my_cases(*, user: User, today: datetime.date) -> QuerySet[Case]:
    """Open and active cases of "My work", those with the earliest actions due first.

    A caseworker's are the cases assigned to it; an ADMIN's or MANAGER's every case of its
    programmes.
    """
    cases = visible_cases(user).filter(status__in=OPEN_CASE_STATUSES)
    if not oversees_programmes(user):
        cases = cases.filter(assigned_to=user)
    return with_next_due(
        cases.select_related("participant", "programme", "assigned_to"), today=today
    ).order_by(F("next_due_on").asc(nulls_last=True), "-opened_on", "-id")


def my_due_actions(*, user: User, today: datetime.date) -> QuerySet[PlanAction]:
    """Open plan actions overdue or due within DUE_SOON_DAYS days, on open cases.

    A caseworker's are those it is responsible for; an ADMIN's or MANAGER's every one of its
    programmes.
    """
    actions = PlanAction.objects.filter(
        case__in=visible_cases(user).filter(status__in=OPEN_CASE_STATUSES),
        status__in=PlanAction.OPEN_STATUSES,
        due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
    )
    if not oversees_programmes(user):
        actions = actions.filter(responsible=user)
    return actions.select_related("case__participant", "goal", "responsible").order_by(
        "due_on", "id"
    )


def unassigned_cases(*, user: User) -> QuerySet[Case]:
    """Open and active cases without a caseworker, oldest first (for programme management)."""
    return (
        visible_cases(user)
        .filter(assigned_to__isnull=True, status__in=OPEN_CASE_STATUSES)
        .select_related("participant", "programme")
        .order_by("opened_on", "id")
    )


@dataclass(frozen=True)
class ProgrammeCounts:
    programme: Programme
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def programme_case_counts(*, user: User) -> list[ProgrammeCounts]:
    """Cases by status in each programme *user* manages (ADMIN and MANAGER); else empty."""
    membership = membership_of(user)
    if membership is None or membership.role not in {Role.ADMIN, Role.MANAGER}:
        return []
    programmes = list(visible_programmes(user).order_by("name", "id"))
    counts = {programme.pk: dict.fromkeys(Case.Status.values, 0) for programme in programmes}
    rows = visible_cases(user).values("programme_id", "status").annotate(n=Count("id"))
    for row in rows:
        if row["programme_id"] in counts:
            counts[row["programme_id"]][row["status"]] = row["n"]
    return [ProgrammeCounts(programme, counts[programme.pk]) for programme in programmes]


# --- One case -----------------------------------------------------------------------------------


@dataclass
class GoalWithActions:
    goal: PlanGoal
    actions: list[PlanAction] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for action in self.actions if action.status == PlanAction.Status.DONE)

    @property
    def counted(self) -> int:
        return sum(1 for a in self.actions if a.status != PlanAction.Status.CANCELLED)


@dataclass
class DimensionPlan:
    dimension: str
    label: str
    goals: list[GoalWithActions]


def case_plan(*, case: Case) -> list[DimensionPlan]:
    """The reintegration plan of *case*: its goals by dimension, each with its actions."""
    goals = {goal.pk: GoalWithActions(goal) for goal in case.goals.order_by("id")}
    for action in (
        PlanAction.objects.filter(case=case).select_related("responsible").order_by("due_on", "id")
    ):
        goals[action.goal_id].actions.append(action)
    return [
        DimensionPlan(
            dimension=value,
            label=str(label),
            goals=[row for row in goals.values() if row.goal.dimension == value],
        )
        for value, label in Dimension.choices
    ]


def needs_assessments(*, case: Case) -> QuerySet[NeedsAssessment]:
    return case.needs_assessments.select_related("assessed_by").order_by("-assessed_on", "-id")


def screenings(*, case: Case) -> QuerySet[VulnerabilityScreening]:
    return case.screenings.select_related("screened_by").order_by("-screened_on", "-id")


def latest_notes(*, user: User, case: Case, limit: int) -> list[CaseNote]:
    from arraigo.cases.permissions import visible_notes

    return list(
        visible_notes(user, case)
        .select_related("written_by")
        .order_by("-written_at", "-id")[:limit]
    )


def programme_criteria(*, programme: Programme) -> list[VulnerabilityCriterion]:
    """The criteria of *programme*, or the unsaved defaults until its managers save their own."""
    stored = list(programme.vulnerability_criteria.order_by("order", "code"))
    return stored or default_criteria(programme)


def active_criteria(*, programme: Programme) -> list[VulnerabilityCriterion]:
    return [c for c in programme_criteria(programme=programme) if c.is_active]


def thresholds_of(*, programme: Programme) -> VulnerabilityThresholds | None:
    return VulnerabilityThresholds.objects.filter(programme=programme).first()


def screening_suggestions(*, case: Case, on: datetime.date) -> set[str]:
    """Criteria of the default set that the registry already answers "yes" for.

    Only a suggestion for the form: the caseworker confirms each answer with the person.
    """
    participant = case.participant
    codes: set[str] = set()
    household = getattr(participant, "headed_household", None)
    if participant.sex == Sex.FEMALE and household is not None:
        codes.add("WOMAN_HEAD_OF_HOUSEHOLD")
    if participant.has_disability:
        codes.add("DISABILITY")
    if participant.returned_on and (on - participant.returned_on).days < 90:
        codes.add("RECENTLY_RETURNED")
    return codes


def case_timeline(*, user: User, case: Case) -> QuerySet[AuditEvent]:
    """What happened on *case*, newest first: every change, never a read; and what happened to
    the person's record itself (merged, registered despite possible duplicates).

    Events about RESTRICTED notes show only to those who may read such notes.
    """
    if not visible_cases(user).filter(pk=case.pk).exists():
        return AuditEvent.objects.none()
    about_the_person = Q(
        case_id__isnull=True, data_subject_id=case.participant_id, action__in=PERSON_ACTIONS
    )
    events = (
        AuditEvent.objects.filter(Q(case_id=case.pk) | about_the_person)
        .exclude(kind=AuditEvent.Kind.READ)
        .select_related("actor")
        .order_by("-at", "-id")
    )
    if not reads_restricted_notes(user):
        restricted = [
            str(pk)
            for pk in CaseNote.objects.filter(
                case=case, sensitivity=CaseNote.Sensitivity.RESTRICTED
            ).values_list("pk", flat=True)
        ]
        if restricted:
            events = events.exclude(target_type="cases.casenote", target_id__in=restricted)
    return events
