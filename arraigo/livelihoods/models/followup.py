"""Follow-up of funded businesses: the programme's schedule and definition, and the visits."""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.models import BaseModel
from arraigo.livelihoods.models.awards import Award

DEFAULT_VISIT_MONTHS = (3, 6, 12)


class FollowUpSettings(BaseModel):
    """When a programme visits funded businesses, and what counts as a business operating."""

    programme = models.OneToOneField(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="follow_up_settings",
    )
    # Months after the first delivery, e.g. [3, 6, 12].
    visit_months = models.JSONField(_("visits, in months after the first delivery"))
    needs_recent_sale = models.BooleanField(
        _("operating: sold something in the last month"), default=True
    )
    needs_profit = models.BooleanField(_("operating: monthly sales above costs"), default=True)
    min_monthly_sales = models.DecimalField(
        _("operating: monthly sales of at least"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "programme": PUBLIC,
        "visit_months": PUBLIC,
        "needs_recent_sale": PUBLIC,
        "needs_profit": PUBLIC,
        "min_monthly_sales": PUBLIC,
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_monthly_sales__gte=0), name="follow_up_min_sales_not_negative"
            )
        ]
        verbose_name = _("follow-up settings")
        verbose_name_plural = _("follow-up settings")

    def __str__(self) -> str:
        return str(self.programme_id)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.programme.organisation_id)


class FollowUpVisit(BaseModel):
    """A visit to a funded business some months after the first delivery."""

    class Status(models.TextChoices):
        SCHEDULED = "SCHEDULED", _("Scheduled")
        DONE = "DONE", _("Done")
        MISSED = "MISSED", _("Could not be done")

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="visits"
    )
    months_after = models.PositiveSmallIntegerField(_("months after the first delivery"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sold_last_month = models.BooleanField(_("sold something in the last month"), null=True)
    monthly_sales = models.DecimalField(
        _("monthly sales"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    monthly_costs = models.DecimalField(
        _("monthly costs"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    people_employed = models.PositiveSmallIntegerField(
        _("people employed besides the owner"), null=True, blank=True
    )
    problems = models.TextField(_("problems"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Computed from the programme's definition when the visit is recorded; the definition
    # used is kept beside it so the answer can be explained later.
    operating = models.BooleanField(_("operating"), null=True)
    operating_rule = models.JSONField(_("definition used"), default=dict, blank=True)
    referrals = models.ManyToManyField(
        "referrals.Referral", verbose_name=_("referrals made"), blank=True, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "award": PERSONAL,
        "months_after": PUBLIC,
        "due_on": PERSONAL,
        "status": PERSONAL,
        "visited_on": PERSONAL,
        "visited_by": PUBLIC,
        "sold_last_month": PERSONAL,
        "monthly_sales": PERSONAL,
        "monthly_costs": PERSONAL,
        "people_employed": PERSONAL,
        "problems": PERSONAL,
        "notes": PERSONAL,
        "operating": PERSONAL,
        "operating_rule": PUBLIC,
        "referrals": PERSONAL,
    }

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="visit_status_due")]
        constraints = [
            models.UniqueConstraint(fields=["award", "months_after"], name="one_visit_per_month"),
            models.CheckConstraint(
                condition=~Q(status="DONE") | Q(visited_on__isnull=False, operating__isnull=False),
                name="done_visit_has_date_and_result",
            ),
        ]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.award.audit_scope()
