"""Business plans: the idea, the market, a lean canvas and a budget whose totals are computed."""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.models import BaseModel
from arraigo.livelihoods.models.selection import Application

# The nine boxes of a lean canvas, in the order people fill them.
CANVAS_FIELDS = (
    "canvas_problem",
    "canvas_customer_segments",
    "canvas_unique_value",
    "canvas_solution",
    "canvas_channels",
    "canvas_revenue_streams",
    "canvas_cost_structure",
    "canvas_key_metrics",
    "canvas_unfair_advantage",
)


class BusinessPlan(BaseModel):
    """The business plan of a selected applicant, presented to the committee."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        SUBMITTED = "SUBMITTED", _("With the committee")
        APPROVED = "APPROVED", _("Approved")
        APPROVED_WITH_CHANGES = "APPROVED_WITH_CHANGES", _("Approved with changes")
        REJECTED = "REJECTED", _("Rejected")

    APPROVED_STATUSES = (Status.APPROVED, Status.APPROVED_WITH_CHANGES)
    DECIDED_STATUSES = (Status.APPROVED, Status.APPROVED_WITH_CHANGES, Status.REJECTED)

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="business_plan",
    )
    # Numbered within the call: evaluators know a plan by this label, not by the person's name.
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    business_name = models.CharField(_("name of the business"), max_length=200)
    idea = models.TextField(_("the business idea"))
    isic_section = models.CharField(_("sector (ISIC section)"), max_length=1)
    occupation = models.ForeignKey(
        "core.Occupation",
        verbose_name=_("occupation (ISCO-08)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    municipality = models.ForeignKey(
        "core.AdministrativeDivision",
        verbose_name=_("municipality of the business"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    location_detail = models.CharField(_("where exactly"), max_length=250, blank=True)
    market = models.TextField(_("market"), blank=True)
    customers = models.TextField(_("customers"), blank=True)
    experience = models.TextField(_("experience in the trade"), blank=True)
    canvas_problem = models.TextField(_("problem"), blank=True)
    canvas_customer_segments = models.TextField(_("customer segments"), blank=True)
    canvas_unique_value = models.TextField(_("unique value proposition"), blank=True)
    canvas_solution = models.TextField(_("solution"), blank=True)
    canvas_channels = models.TextField(_("channels"), blank=True)
    canvas_revenue_streams = models.TextField(_("revenue streams"), blank=True)
    canvas_cost_structure = models.TextField(_("cost structure"), blank=True)
    canvas_key_metrics = models.TextField(_("key metrics"), blank=True)
    canvas_unfair_advantage = models.TextField(_("unfair advantage"), blank=True)
    expected_monthly_sales = models.DecimalField(
        _("expected monthly sales"), max_digits=12, decimal_places=2, default=0
    )
    expected_monthly_costs = models.DecimalField(
        _("expected monthly costs"), max_digits=12, decimal_places=2, default=0
    )
    jobs_created = models.PositiveSmallIntegerField(
        _("jobs it will create"),
        default=0,
        help_text=_("Besides the owner's own."),
    )
    # Computed from the budget lines by the service, never typed.
    total_cost = models.DecimalField(_("total cost"), max_digits=12, decimal_places=2, default=0)
    own_contribution = models.DecimalField(
        _("own contribution"), max_digits=12, decimal_places=2, default=0
    )
    grant_requested = models.DecimalField(
        _("grant requested"), max_digits=12, decimal_places=2, default=0
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    committee_score = models.DecimalField(
        _("committee score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    committee_spread = models.DecimalField(
        _("spread between evaluators"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    changes_required = models.TextField(_("changes required"), blank=True)
    approved_amount = models.DecimalField(
        _("approved amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "application": PERSONAL,
        "number": PUBLIC,
        "status": PERSONAL,
        "business_name": PERSONAL,
        "idea": PERSONAL,
        "isic_section": PERSONAL,
        "occupation": PERSONAL,
        "municipality": PERSONAL,
        "location_detail": PERSONAL,
        "market": PERSONAL,
        "customers": PERSONAL,
        "experience": PERSONAL,
        **dict.fromkeys(CANVAS_FIELDS, PERSONAL),
        "expected_monthly_sales": PERSONAL,
        "expected_monthly_costs": PERSONAL,
        "jobs_created": PERSONAL,
        "total_cost": PERSONAL,
        "own_contribution": PERSONAL,
        "grant_requested": PERSONAL,
        "submitted_at": PERSONAL,
        "submitted_by": PUBLIC,
        "committee_score": PERSONAL,
        "committee_spread": PERSONAL,
        "decided_at": PERSONAL,
        "decided_by": PUBLIC,
        "decision_reason": PERSONAL,
        "changes_required": PERSONAL,
        "approved_amount": PERSONAL,
        "created_by": PUBLIC,
    }

    class Meta:
        ordering = ["number", "id"]
        indexes = [models.Index(fields=["status", "number"], name="business_plan_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(own_contribution__gte=0)
                & Q(own_contribution__lte=F("total_cost"))
                & Q(grant_requested__gte=0),
                name="plan_totals_consistent",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=F("grant_requested"))),
                name="plan_approved_within_requested",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["APPROVED", "APPROVED_WITH_CHANGES", "REJECTED"])
                | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="decided_plan_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["APPROVED", "APPROVED_WITH_CHANGES"])
                | Q(approved_amount__isnull=False),
                name="approved_plan_has_amount",
            ),
        ]
        verbose_name = _("business plan")
        verbose_name_plural = _("business plans")

    def __str__(self) -> str:
        return str(self.pk)

    @property
    def label(self) -> str:
        """The pseudonymous label the committee knows the plan by, e.g. ``SC-2026-007``."""
        return f"{self.application.call.code}-{self.number:03d}"

    @property
    def is_approved(self) -> bool:
        return self.status in self.APPROVED_STATUSES

    def audit_scope(self) -> AuditScope:
        return self.application.audit_scope()


class BudgetLine(BaseModel):
    """A line of a plan's budget: what is bought, how many, at what price, from whom."""

    plan = models.ForeignKey(
        BusinessPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    item = models.CharField(_("item"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    own_contribution = models.DecimalField(
        _("own contribution"), max_digits=12, decimal_places=2, default=0
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)

    data_classification: ClassVar[dict[str, Classification]] = {
        "plan": PERSONAL,
        "order": PUBLIC,
        "item": PERSONAL,
        "quantity": PERSONAL,
        "unit_cost": PERSONAL,
        "supplier": PUBLIC,
        "own_contribution": PERSONAL,
        "total": PERSONAL,
    }

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(unit_cost__gte=0),
                name="budget_line_positive",
            ),
            models.CheckConstraint(
                condition=Q(own_contribution__gte=0) & Q(own_contribution__lte=F("total")),
                name="budget_line_contribution_within_total",
            ),
        ]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return str(self.pk)

    @property
    def grant_part(self) -> Decimal:
        return self.total - self.own_contribution

    def audit_scope(self) -> AuditScope:
        return self.plan.audit_scope()
