"""Awards and their in-kind delivery: tranches, purchase orders, deliveries with proof."""

from pathlib import PurePosixPath
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.ids import uuid7
from arraigo.core.models import BaseModel
from arraigo.livelihoods.models.plans import BudgetLine, BusinessPlan


class Award(BaseModel):
    """The grant given for an approved plan: an amount, in kind, in one or more tranches."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Active")
        COMPLETED = "COMPLETED", _("Fully delivered")
        CANCELLED = "CANCELLED", _("Cancelled")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    plan = models.OneToOneField(
        BusinessPlan,
        verbose_name=_("business plan"),
        on_delete=models.PROTECT,
        related_name="award",
    )
    amount = models.DecimalField(_("amount awarded"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    awarded_on = models.DateField(_("awarded on"))
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("awarded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    first_delivered_on = models.DateField(_("first delivery on"), null=True, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "plan": PERSONAL,
        "amount": PERSONAL,
        "currency": PUBLIC,
        "awarded_on": PERSONAL,
        "awarded_by": PUBLIC,
        "status": PERSONAL,
        "first_delivered_on": PERSONAL,
    }

    class Meta:
        ordering = ["-awarded_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive")
        ]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.plan.audit_scope()


class Tranche(BaseModel):
    """A planned part of the award, delivered through its purchase orders."""

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.CASCADE, related_name="tranches"
    )
    number = models.PositiveSmallIntegerField(_("tranche"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    planned_on = models.DateField(_("planned for"))
    description = models.CharField(_("what it covers"), max_length=200, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "award": PERSONAL,
        "number": PUBLIC,
        "amount": PERSONAL,
        "planned_on": PERSONAL,
        "description": PERSONAL,
    }

    class Meta:
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="tranche_number_per_award"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
        ]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")

    def __str__(self) -> str:
        return str(self.number)

    def audit_scope(self) -> AuditScope:
        return self.award.audit_scope()


class PurchaseOrder(BaseModel):
    """An order to one supplier for items of the plan's budget."""

    class Status(models.TextChoices):
        ISSUED = "ISSUED", _("Issued")
        DELIVERED = "DELIVERED", _("Delivered")
        CANCELLED = "CANCELLED", _("Cancelled")

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="purchase_orders"
    )
    tranche = models.ForeignKey(
        Tranche,
        verbose_name=_("tranche"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchase_orders",
    )
    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    supplier = models.CharField(_("supplier"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "award": PERSONAL,
        "tranche": PERSONAL,
        "reference": PUBLIC,
        "supplier": PUBLIC,
        "issued_on": PERSONAL,
        "issued_by": PUBLIC,
        "total": PERSONAL,
        "status": PERSONAL,
    }

    class Meta:
        ordering = ["issued_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="purchase_order_total_positive")
        ]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")

    def __str__(self) -> str:
        return self.reference

    def audit_scope(self) -> AuditScope:
        return self.award.audit_scope()


class PurchaseOrderLine(BaseModel):
    """An item ordered: from a line of the approved budget, a quantity at a unit cost."""

    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    budget_line = models.ForeignKey(
        BudgetLine,
        verbose_name=_("budget line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    item = models.CharField(_("item"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)

    data_classification: ClassVar[dict[str, Classification]] = {
        "order": PERSONAL,
        "budget_line": PERSONAL,
        "item": PERSONAL,
        "quantity": PERSONAL,
        "unit_cost": PERSONAL,
        "total": PERSONAL,
    }

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(unit_cost__gte=0), name="order_line_positive"
            )
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.order.audit_scope()


class Delivery(BaseModel):
    """Items of a purchase order handed over to the participant, with who received them."""

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="deliveries"
    )
    purchase_order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("purchase order"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    delivered_on = models.DateField(_("delivered on"))
    received_by = models.CharField(_("received by"), max_length=150)
    value = models.DecimalField(_("value delivered"), max_digits=12, decimal_places=2)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "award": PERSONAL,
        "purchase_order": PERSONAL,
        "delivered_on": PERSONAL,
        "received_by": PERSONAL,
        "value": PERSONAL,
        "notes": PERSONAL,
        "recorded_by": PUBLIC,
    }

    class Meta:
        ordering = ["delivered_on", "id"]
        indexes = [models.Index(fields=["award", "delivered_on"], name="delivery_award_date")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="delivery_value_positive")
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.award.audit_scope()


class DeliveryLine(BaseModel):
    """How much of an ordered item a delivery handed over."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        verbose_name=_("item ordered"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    quantity = models.DecimalField(_("quantity received"), max_digits=10, decimal_places=2)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)

    data_classification: ClassVar[dict[str, Classification]] = {
        "delivery": PERSONAL,
        "order_line": PERSONAL,
        "quantity": PERSONAL,
        "value": PERSONAL,
    }

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_line_positive")
        ]
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.delivery.audit_scope()


def evidence_path(instance: "DeliveryEvidence", filename: str) -> str:
    """A name of our own under MEDIA_ROOT: nothing of the uploaded file's name is kept.

    The extension is the one the content was checked to be (set by the service).
    """
    suffix = PurePosixPath(filename).suffix.lower()
    return f"livelihoods/evidence/{uuid7().hex}{suffix}"


class DeliveryEvidence(BaseModel):
    """A photo or scanned signature proving a delivery; served only through an access check."""

    class Kind(models.TextChoices):
        SIGNATURE = "SIGNATURE", _("Signed receipt (scan)")
        PHOTO = "PHOTO", _("Photo of the items delivered")

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "delivery": PERSONAL,
        "kind": PERSONAL,
        "file": PERSONAL,
        "content_type": PUBLIC,
        "size": PUBLIC,
        "uploaded_by": PUBLIC,
        "uploaded_at": PERSONAL,
    }

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("delivery evidence")
        verbose_name_plural = _("delivery evidence")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.delivery.audit_scope()


class OwnContribution(BaseModel):
    """What the participant put in: money, work, premises or equipment, valued."""

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.CASCADE, related_name="contributions"
    )
    description = models.CharField(_("what was contributed"), max_length=200)
    amount = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    contributed_on = models.DateField(_("contributed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "award": PERSONAL,
        "description": PERSONAL,
        "amount": PERSONAL,
        "contributed_on": PERSONAL,
        "recorded_by": PUBLIC,
    }

    class Meta:
        ordering = ["contributed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_positive")
        ]
        verbose_name = _("own contribution")
        verbose_name_plural = _("own contributions")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.award.audit_scope()
