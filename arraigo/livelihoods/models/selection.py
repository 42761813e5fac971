"""Selection: a call for applicants, its rules as data, the applications and their ranking."""

from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.models import BaseModel

DEFAULT_EVALUATIONS_REQUIRED = 3
DEFAULT_SCALE_MAX = 5
DEFAULT_PASS_MARK = Decimal("60")


def case_of(*, participant_id: UUID, programme_id: UUID) -> UUID | None:
    """The id of the participant's case in the programme, if it has one.

    Events about a person's seed capital carry it, so they show on the case timeline.
    """
    from arraigo.cases.models import Case

    return (
        Case.objects.filter(participant_id=participant_id, programme_id=programme_id)
        .values_list("pk", flat=True)
        .first()
    )


class Call(BaseModel):
    """A call for applicants to a seed-capital round of a programme (a cohort)."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        OPEN = "OPEN", _("Open for applications")
        SELECTION_APPROVED = "SELECTION_APPROVED", _("Selection approved")
        CLOSED = "CLOSED", _("Closed")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="seed_capital_calls",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="seed_capital_calls",
    )
    code = models.CharField(_("code"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    places = models.PositiveSmallIntegerField(
        _("places"), help_text=_("How many people the call can fund.")
    )
    waiting_list_size = models.PositiveSmallIntegerField(
        _("places on the waiting list"),
        default=0,
        help_text=_("0: every eligible person not selected waits, in ranking order."),
    )
    budget = models.DecimalField(_("budget"), max_digits=12, decimal_places=2)
    max_grant = models.DecimalField(_("maximum grant per person"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    required_courses = models.ManyToManyField(
        "learning.Course",
        verbose_name=_("required courses"),
        blank=True,
        related_name="seed_capital_calls",
    )
    courses_before_plan = models.BooleanField(
        _("the required courses must be completed before presenting the business plan"),
        default=True,
    )
    evaluations_required = models.PositiveSmallIntegerField(
        _("evaluations needed per plan"), default=DEFAULT_EVALUATIONS_REQUIRED
    )
    score_scale_max = models.PositiveSmallIntegerField(
        _("highest score of each rubric criterion"),
        default=DEFAULT_SCALE_MAX,
        help_text=_("Evaluators score each criterion from 0 to this number."),
    )
    pass_mark = models.DecimalField(
        _("pass mark (out of 100)"), max_digits=5, decimal_places=2, default=DEFAULT_PASS_MARK
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    ranked_at = models.DateTimeField(_("ranking computed at"), null=True, blank=True)
    selection_approved_at = models.DateTimeField(_("selection approved at"), null=True, blank=True)
    selection_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("selection approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "programme": PUBLIC,
        "code": PUBLIC,
        "title": PUBLIC,
        "description": PUBLIC,
        "opens_on": PUBLIC,
        "closes_on": PUBLIC,
        "places": PUBLIC,
        "waiting_list_size": PUBLIC,
        "budget": PUBLIC,
        "max_grant": PUBLIC,
        "currency": PUBLIC,
        "required_courses": PUBLIC,
        "courses_before_plan": PUBLIC,
        "evaluations_required": PUBLIC,
        "score_scale_max": PUBLIC,
        "pass_mark": PUBLIC,
        "status": PUBLIC,
        "ranked_at": PUBLIC,
        "selection_approved_at": PUBLIC,
        "selection_approved_by": PUBLIC,
        "created_by": PUBLIC,
    }

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="call_code_per_programme"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="call_closes_after_it_opens"
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="call_has_places"),
            models.CheckConstraint(
                condition=Q(budget__gte=0) & Q(max_grant__gt=0), name="call_money_positive"
            ),
            models.CheckConstraint(
                condition=Q(evaluations_required__gte=3), name="call_three_evaluations_or_more"
            ),
            models.CheckConstraint(
                condition=Q(score_scale_max__gte=1, score_scale_max__lte=100),
                name="call_score_scale_in_range",
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="call_pass_mark_percent"
            ),
        ]
        verbose_name = _("seed-capital call")
        verbose_name_plural = _("seed-capital calls")

    def __str__(self) -> str:
        return self.code

    @property
    def is_frozen(self) -> bool:
        """Whether the selection was approved: ranking and applications no longer change."""
        return self.status in (self.Status.SELECTION_APPROVED, self.Status.CLOSED)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)


class CallConfiguration(BaseModel):
    """Base of the rows that configure a call: rules, criteria, quotas, rubric."""

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    data_classification: ClassVar[dict[str, Classification]] = {
        "call": PUBLIC,
        "order": PUBLIC,
    }

    class Meta:
        abstract = True

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.call.organisation_id)


class EligibilityRule(CallConfiguration):
    """A condition every applicant must meet, of a kind the code knows how to check."""

    class Kind(models.TextChoices):
        POPULATION_TYPE = "POPULATION_TYPE", _("Population type")
        AGE_RANGE = "AGE_RANGE", _("Age")
        PLACE = "PLACE", _("Place of residence")
        NO_EARLIER_GRANT = "NO_EARLIER_GRANT", _("No earlier seed capital")
        COURSES_COMPLETED = "COURSES_COMPLETED", _("Required courses completed before applying")
        VULNERABILITY_LEVEL = "VULNERABILITY_LEVEL", _("Vulnerability level")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # Checked and normalised by the service for each kind (see livelihoods.rules).
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "kind": PUBLIC,
        "params": PUBLIC,
    }

    class Meta:
        ordering = ["order", "kind"]
        default_related_name = "eligibility_rules"
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="eligibility_rule_once_per_call")
        ]
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")

    def __str__(self) -> str:
        return self.kind


class PriorityCriterion(CallConfiguration):
    """A criterion of the prioritisation score: its kind, weight and parameters."""

    class Kind(models.TextChoices):
        WOMAN_HEAD_OF_HOUSEHOLD = "WOMAN_HEAD_OF_HOUSEHOLD", _("Woman head of household")
        DEPENDANTS = "DEPENDANTS", _("Dependants")
        DISABILITY = "DISABILITY", _("Person with disability")
        TIME_SINCE_RETURN = "TIME_SINCE_RETURN", _("Recent return")
        VULNERABILITY = "VULNERABILITY", _("Vulnerability screening result")
        MOTIVATION_INTERVIEW = "MOTIVATION_INTERVIEW", _("Motivation interview")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    weight = models.PositiveSmallIntegerField(_("weight"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "kind": PUBLIC,
        "weight": PUBLIC,
        "params": PUBLIC,
    }

    class Meta:
        ordering = ["order", "kind"]
        default_related_name = "priority_criteria"
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="priority_criterion_once"),
            models.CheckConstraint(
                condition=Q(weight__lte=100), name="priority_weight_at_most_100"
            ),
        ]
        verbose_name = _("prioritisation criterion")
        verbose_name_plural = _("prioritisation criteria")

    def __str__(self) -> str:
        return self.kind


class Quota(CallConfiguration):
    """A minimum share of the places for a group, e.g. at least 50% women."""

    class Kind(models.TextChoices):
        WOMEN = "WOMEN", _("Women")
        DISABILITY = "DISABILITY", _("People with disability")
        POPULATION_TYPE = "POPULATION_TYPE", _("A population type")

    kind = models.CharField(_("group"), max_length=16, choices=Kind.choices)
    # The population type, for POPULATION_TYPE quotas.
    value = models.CharField(_("population type"), max_length=16, blank=True)
    min_percent = models.PositiveSmallIntegerField(_("at least (% of the places)"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "kind": PUBLIC,
        "value": PUBLIC,
        "min_percent": PUBLIC,
    }

    class Meta:
        ordering = ["order", "kind", "value"]
        default_related_name = "quotas"
        constraints = [
            models.UniqueConstraint(fields=["call", "kind", "value"], name="quota_once_per_call"),
            models.CheckConstraint(
                condition=Q(min_percent__gte=1, min_percent__lte=100), name="quota_is_a_percent"
            ),
        ]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self) -> str:
        return f"{self.kind}{self.value} {self.min_percent}%"


class Application(BaseModel):
    """A registered participant applying to a call; eligibility, score and rank are kept."""

    class Status(models.TextChoices):
        APPLIED = "APPLIED", _("Applied")
        INELIGIBLE = "INELIGIBLE", _("Not eligible")
        # One application's status, apart from the same English word heading a count: Spanish
        # says "Elegible" of one and "Elegibles" of many.
        ELIGIBLE = "ELIGIBLE", pgettext_lazy("one application", "Eligible")
        SELECTED = "SELECTED", pgettext_lazy("one application", "Selected")
        WAITING = "WAITING", _("On the waiting list")
        NOT_SELECTED = "NOT_SELECTED", _("Not selected")
        WITHDRAWN = "WITHDRAWN", _("Withdrew")

    class Proposal(models.TextChoices):
        SELECTED = "SELECTED", _("Shortlisted")
        WAITING = "WAITING", _("Waiting list")
        NOT_SELECTED = "NOT_SELECTED", _("Not selected")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    participant = models.ForeignKey(
        "people.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="seed_capital_applications",
    )
    applied_on = models.DateField(_("applied on"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.APPLIED
    )
    # [{"rule": id, "kind": ..., "passed": bool, "reason": code, "args": {...}}], one per rule.
    eligibility = models.JSONField(_("eligibility check"), default=list, blank=True)
    eligibility_checked_at = models.DateTimeField(null=True, blank=True)
    # Whether the last check passed every rule; kept after a withdrawal, for the indicators.
    is_eligible = models.BooleanField(_("eligible"), null=True)
    motivation_score = models.PositiveSmallIntegerField(
        _("motivation interview score"), null=True, blank=True
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    # [{"criterion": id, "kind": ..., "weight": w, "fraction": "0.5", "points": "5.00",
    #   "reason": code, "args": {...}}], as computed when the ranking was last computed.
    score_breakdown = models.JSONField(_("score by criterion"), default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    proposal = models.CharField(_("proposed"), max_length=16, choices=Proposal.choices, blank=True)
    # Why the quota moved this application: {"effect": "PROMOTED"|"DISPLACED"|..., ...}.
    selection_note = models.JSONField(_("selection note"), default=dict, blank=True)
    selected_at = models.DateTimeField(_("selected at"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrew on"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawing"), max_length=300, blank=True)
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("referred instead to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "call": PERSONAL,
        "participant": PERSONAL,
        "applied_on": PERSONAL,
        "applied_by": PUBLIC,
        "status": PERSONAL,
        "eligibility": PERSONAL,
        "eligibility_checked_at": PERSONAL,
        "is_eligible": PERSONAL,
        "motivation_score": PERSONAL,
        "score": PERSONAL,
        "score_breakdown": PERSONAL,
        "scored_at": PERSONAL,
        "rank": PERSONAL,
        "proposal": PERSONAL,
        "selection_note": PERSONAL,
        "selected_at": PERSONAL,
        "withdrawn_on": PERSONAL,
        "withdrawal_reason": PERSONAL,
        "referral": PERSONAL,
    }

    class Meta:
        ordering = ["call", "rank", "applied_on", "id"]
        indexes = [
            models.Index(fields=["call", "status", "rank"], name="application_call_status"),
            models.Index(fields=["participant", "status"], name="application_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "participant"], name="one_application_per_call"
            ),
            models.CheckConstraint(
                condition=~Q(status="WITHDRAWN") | Q(withdrawn_on__isnull=False),
                name="withdrawn_application_has_date",
            ),
        ]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.organisation_id,
            data_subject_id=self.participant_id,
            case_id=case_of(
                participant_id=self.participant_id, programme_id=self.call.programme_id
            ),
        )
