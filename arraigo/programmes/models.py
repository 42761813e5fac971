"""Programmes: what is run, where, for whom, with whose money, and which staff work in it."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PUBLIC, Classification
from arraigo.core.models import BaseModel, Country


class Programme(BaseModel):
    """A reintegration programme run by an organisation, possibly with partner organisations."""

    class Status(models.TextChoices):
        PLANNED = "PLANNED", _("Planned")
        ACTIVE = "ACTIVE", _("Active")
        CLOSED = "CLOSED", _("Closed")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    partners = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="partner_programmes",
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    donor = models.CharField(_("donor"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "partners": PUBLIC,
        "code": PUBLIC,
        "name": PUBLIC,
        "description": PUBLIC,
        "country": PUBLIC,
        "donor": PUBLIC,
        "starts_on": PUBLIC,
        "ends_on": PUBLIC,
        "currency": PUBLIC,
        "budget": PUBLIC,
        "status": PUBLIC,
    }

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="programme_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(budget__isnull=True) | models.Q(budget__gte=0),
                name="programme_budget_not_negative",
            ),
        ]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)


class StaffAssignment(BaseModel):
    """A member of staff assigned to work in a programme."""

    membership = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("membership"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "membership": PUBLIC,
        "programme": PUBLIC,
    }

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "programme"], name="one_assignment_per_programme"
            )
        ]
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")

    def __str__(self) -> str:
        return f"{self.membership_id} → {self.programme_id}"
