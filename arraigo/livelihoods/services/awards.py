"""Writes of awards: the grant, its tranches, purchase orders, deliveries and contributions.

Money never goes above the award: tranches, orders and deliveries are each checked against
what is already planned, ordered or delivered, with a message that says by how much.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from arraigo.accounts.models import User
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.core.references import next_reference
from arraigo.livelihoods.models import (
    Award,
    BudgetLine,
    BusinessPlan,
    Delivery,
    DeliveryEvidence,
    DeliveryLine,
    OwnContribution,
    PurchaseOrder,
    PurchaseOrderLine,
    Tranche,
)
from arraigo.livelihoods.services.common import CENTS, money
from arraigo.livelihoods.services.followup import visits_schedule
from arraigo.livelihoods.uploads import EvidenceInvalid, check_evidence

# Purchase orders read OC (orden de compra), the organisation's prefix and the year.
ORDER_PREFIX = "OC"
ZERO = Decimal("0.00")


class PlanNotApproved(ApplicationError):
    """Raised when an award is made for a plan the committee did not approve."""


class AlreadyAwarded(ApplicationError):
    """Raised when a plan is awarded twice."""


class AwardAboveApproved(ApplicationError):
    """Raised when an award is above the amount approved for the plan."""


class CallBudgetExceeded(ApplicationError):
    """Raised when an award would take the call's awards above its budget."""


class DeliveryWithoutAward(ApplicationError):
    """Raised when a delivery is recorded for a plan that has no award."""


class AwardNotActive(ApplicationError):
    """Raised when orders or deliveries are added to an award completed or cancelled."""


class SpendingAboveAward(ApplicationError):
    """Raised when tranches, orders or deliveries would add up to more than the award."""


class SpendingAboveTranche(SpendingAboveAward):
    """Raised when a tranche's orders would add up to more than the tranche."""


class OrderInvalid(ApplicationError):
    """Raised when a purchase order is empty, or a line does not hold."""


class OrderNotOpen(ApplicationError):
    """Raised when a delivery or a cancellation concerns an order delivered or cancelled."""


class DeliveryAboveOrder(ApplicationError):
    """Raised when more of an item is delivered than was ordered."""


class EvidenceMissing(ApplicationError):
    """Raised when a delivery is recorded without a photo or a signed receipt."""


def _not_in_future(value: datetime.date, *, at: datetime.datetime, field: str) -> None:
    if value > timezone.localdate(at):
        raise ValidationError({field: _("This date cannot be in the future.")})


def _sum(queryset: object, field: str) -> Decimal:
    return queryset.aggregate(total=Coalesce(Sum(field), ZERO))["total"]  # type: ignore[attr-defined]


def committed(award: Award) -> Decimal:
    """What the award's purchase orders not cancelled add up to."""
    return _sum(award.purchase_orders.exclude(status=PurchaseOrder.Status.CANCELLED), "total")


def delivered(award: Award) -> Decimal:
    return _sum(award.deliveries.all(), "value")


# --- The award ----------------------------------------------------------------------------------


@transaction.atomic
def award_create(
    *,
    plan: BusinessPlan,
    amount: Decimal,
    awarded_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> Award:
    """Award seed capital for an approved plan, at most the approved amount.

    :raises PlanNotApproved: if the committee's decision was not to approve.
    :raises AlreadyAwarded: if the plan already has an award.
    :raises AwardAboveApproved: if *amount* is not above zero or above the approved amount.
    :raises CallBudgetExceeded: if the call's awards would go above its budget.
    :raises ValidationError: keyed by field: a date in the future.
    """
    if not plan.is_approved or plan.approved_amount is None:
        raise PlanNotApproved(_("Only a plan the committee approved can be awarded."))
    if Award.objects.filter(plan=plan).exists():
        raise AlreadyAwarded(_("This plan was already awarded."))
    call = plan.application.call
    amount = amount.quantize(CENTS, rounding=ROUND_HALF_UP)
    if not ZERO < amount <= plan.approved_amount:
        raise AwardAboveApproved(
            _("The award must be above zero and at most the %(approved)s approved for the plan.")
            % {"approved": money(plan.approved_amount, call.currency)},
            field="amount",
        )
    _not_in_future(awarded_on, at=at, field="awarded_on")
    awarded = _sum(
        Award.objects.filter(plan__application__call=call).exclude(status=Award.Status.CANCELLED),
        "amount",
    )
    if awarded + amount > call.budget:
        raise CallBudgetExceeded(
            _(
                "The call's budget is %(budget)s and %(awarded)s is already awarded: only "
                "%(left)s is left."
            )
            % {
                "budget": money(call.budget, call.currency),
                "awarded": money(awarded, call.currency),
                "left": money(call.budget - awarded, call.currency),
            },
            field="amount",
        )
    award = Award(
        organisation_id=plan.organisation_id,
        plan=plan,
        amount=amount,
        currency=call.currency,
        awarded_on=awarded_on,
        awarded_by=by,
    )
    award.save(force_insert=True)
    audit.record_created(actor=by, action="award.made", target=award, at=at)
    return award


def _require_active(award: Award) -> None:
    if award.status != Award.Status.ACTIVE:
        raise AwardNotActive(
            _("This award is %(status)s: nothing more can be ordered or delivered.")
            % {"status": award.get_status_display().lower()}
        )


@transaction.atomic
def tranche_add(
    *,
    award: Award,
    amount: Decimal,
    planned_on: datetime.date,
    description: str,
    by: User,
    at: datetime.datetime,
) -> Tranche:
    """Plan a tranche of the award's delivery.

    :raises AwardNotActive: if the award is completed or cancelled.
    :raises SpendingAboveAward: if the tranches would add up to more than the award.
    :raises ValidationError: for an amount not above zero.
    """
    _require_active(award)
    Award.objects.select_for_update().filter(pk=award.pk).first()
    amount = amount.quantize(CENTS, rounding=ROUND_HALF_UP)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be above zero.")})
    planned = _sum(award.tranches.all(), "amount")
    if planned + amount > award.amount:
        raise SpendingAboveAward(
            _(
                "The tranches would add up to %(total)s, above the award of %(award)s: "
                "%(left)s is left to plan."
            )
            % {
                "total": money(planned + amount, award.currency),
                "award": money(award.amount, award.currency),
                "left": money(award.amount - planned, award.currency),
            },
            field="amount",
        )
    tranche = Tranche(
        award=award,
        number=award.tranches.count() + 1,
        amount=amount,
        planned_on=planned_on,
        description=description.strip(),
    )
    tranche.save(force_insert=True)
    audit.record_created(actor=by, action="tranche.planned", target=tranche, at=at)
    return tranche


# --- Purchase orders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLineInput:
    item: str
    quantity: Decimal
    unit_cost: Decimal
    budget_line: BudgetLine | None = None


@transaction.atomic
def purchase_order_issue(
    *,
    award: Award,
    supplier: str,
    lines: Sequence[OrderLineInput],
    issued_on: datetime.date,
    tranche: Tranche | None,
    by: User,
    at: datetime.datetime,
) -> PurchaseOrder:
    """Issue a purchase order to *supplier* for items of the plan, within the award.

    :raises AwardNotActive: if the award is completed or cancelled.
    :raises OrderInvalid: for no lines, a bad line, a budget line of another plan or a tranche
        of another award.
    :raises SpendingAboveAward: if the orders would add up to more than the award.
    :raises SpendingAboveTranche: if the tranche's orders would add up to more than it.
    :raises ValidationError: keyed by field: no supplier, a date in the future or before
        the award.
    """
    _require_active(award)
    Award.objects.select_for_update().filter(pk=award.pk).first()
    supplier = supplier.strip()
    if not supplier:
        raise ValidationError({"supplier": _("Name the supplier.")})
    _not_in_future(issued_on, at=at, field="issued_on")
    if issued_on < award.awarded_on:
        raise ValidationError({"issued_on": _("An order cannot be issued before the award.")})
    if tranche is not None and tranche.award_id != award.pk:
        raise OrderInvalid(_("Choose a tranche of this award."), field="tranche")
    if not lines:
        raise OrderInvalid(_("Add at least one item to the order."), field="lines")
    totals = []
    for number, line in enumerate(lines, start=1):
        if not line.item.strip() or line.quantity <= 0 or line.unit_cost < 0:
            raise OrderInvalid(
                _("Line %(n)s: give the item, a quantity above zero and a unit cost.")
                % {"n": number},
                field="lines",
            )
        if line.budget_line is not None and line.budget_line.plan_id != award.plan_id:
            raise OrderInvalid(
                _("Line %(n)s: choose an item of this plan's budget.") % {"n": number},
                field="lines",
            )
        totals.append((line.quantity * line.unit_cost).quantize(CENTS, rounding=ROUND_HALF_UP))
    total = sum(totals, ZERO)
    if total <= 0:
        raise OrderInvalid(_("The order adds up to nothing."), field="lines")
    already = committed(award)
    if already + total > award.amount:
        raise SpendingAboveAward(
            _(
                "This order of %(order)s would take the orders to %(total)s, above the award "
                "of %(award)s. Only %(left)s is left to order."
            )
            % {
                "order": money(total, award.currency),
                "total": money(already + total, award.currency),
                "award": money(award.amount, award.currency),
                "left": money(award.amount - already, award.currency),
            },
            field="lines",
        )
    if tranche is not None:
        in_tranche = _sum(
            tranche.purchase_orders.exclude(status=PurchaseOrder.Status.CANCELLED), "total"
        )
        if in_tranche + total > tranche.amount:
            raise SpendingAboveTranche(
                _(
                    "Tranche %(number)s is of %(amount)s and %(ordered)s is already ordered in "
                    "it: this order of %(order)s does not fit."
                )
                % {
                    "number": tranche.number,
                    "amount": money(tranche.amount, award.currency),
                    "ordered": money(in_tranche, award.currency),
                    "order": money(total, award.currency),
                },
                field="tranche",
            )
    organisation = award.organisation
    order = PurchaseOrder(
        award=award,
        tranche=tranche,
        supplier=supplier,
        issued_on=issued_on,
        issued_by=by,
        total=total,
        reference=next_reference(
            prefix=ORDER_PREFIX + (organisation.reference_prefix or organisation.country),
            year=issued_on.year,
        ),
    )
    order.save(force_insert=True)
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                order=order,
                budget_line=line.budget_line,
                item=line.item.strip(),
                quantity=line.quantity,
                unit_cost=line.unit_cost,
                total=line_total,
            )
            for line, line_total in zip(lines, totals, strict=True)
        ]
    )
    changes = audit.changes_between({}, order)
    changes["lines"] = [
        None,
        [[line.item.strip(), str(line.quantity), str(line.unit_cost)] for line in lines],
    ]
    audit.record(actor=by, action="purchase_order.issued", target=order, at=at, changes=changes)
    return order


@transaction.atomic
def purchase_order_cancel(
    *, order: PurchaseOrder, by: User, at: datetime.datetime
) -> PurchaseOrder:
    """Cancel an order nothing of which was delivered; its amount is free to order again.

    :raises OrderNotOpen: if it was delivered (even in part) or cancelled already.
    """
    if order.status != PurchaseOrder.Status.ISSUED or order.deliveries.exists():
        raise OrderNotOpen(_("Only an order nothing of which was delivered can be cancelled."))
    audit.save_fields(
        order,
        {"status": PurchaseOrder.Status.CANCELLED},
        actor=by,
        action="purchase_order.cancelled",
        at=at,
    )
    return order


# --- Deliveries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveredLine:
    order_line: PurchaseOrderLine
    quantity: Decimal


@dataclass(frozen=True)
class EvidenceUpload:
    kind: str
    file: UploadedFile


def _save_evidence(
    *, delivery: Delivery, uploads: Sequence[EvidenceUpload], by: User, at: datetime.datetime
) -> list[DeliveryEvidence]:
    checked = [(upload, check_evidence(upload.file)) for upload in uploads]
    saved: list[DeliveryEvidence] = []
    try:
        for upload, info in checked:
            if upload.kind not in DeliveryEvidence.Kind.values:
                raise EvidenceInvalid(_("Say what the file shows."), field="evidence_kind")
            evidence = DeliveryEvidence(
                delivery=delivery,
                kind=upload.kind,
                content_type=info.content_type,
                size=info.size,
                uploaded_by=by,
                uploaded_at=at,
            )
            # Only the checked suffix is kept from the name; evidence_path adds our own name.
            evidence.file.save(f"upload{info.suffix}", upload.file, save=False)
            evidence.save(force_insert=True)
            saved.append(evidence)
            audit.record_created(actor=by, action="delivery_evidence.added", target=evidence, at=at)
    except Exception:
        # The files are on disk, not in the database: remove them if the transaction fails.
        for evidence in saved:
            evidence.file.delete(save=False)
        raise
    return saved


def award_for_delivery(plan: BusinessPlan) -> Award:
    """The plan's award, if deliveries can be recorded against it.

    :raises DeliveryWithoutAward: if the plan has no award.
    :raises AwardNotActive: if the award is completed or cancelled.
    """
    award = Award.objects.filter(plan=plan).first()
    if award is None:
        raise DeliveryWithoutAward(
            _(
                "This plan has no award yet: a delivery needs an award and a purchase order. "
                "Award the plan first."
            )
        )
    _require_active(award)
    return award


@transaction.atomic
def delivery_record(
    *,
    plan: BusinessPlan,
    order: PurchaseOrder,
    lines: Sequence[DeliveredLine],
    delivered_on: datetime.date,
    received_by: str,
    notes: str,
    evidence: Sequence[EvidenceUpload],
    by: User,
    at: datetime.datetime,
) -> Delivery:
    """Record items of *order* handed over, with who received them and proof.

    The first delivery of an award schedules its follow-up visits.

    :raises DeliveryWithoutAward: if the plan has no award.
    :raises AwardNotActive: if the award is completed or cancelled.
    :raises OrderNotOpen: if the order is of another award, delivered or cancelled.
    :raises DeliveryAboveOrder: if more of an item is delivered than was ordered.
    :raises SpendingAboveAward: if deliveries would add up to more than the award.
    :raises EvidenceMissing: without a photo or signed receipt.
    :raises EvidenceInvalid: for a file that is not an image or PDF, or too large.
    :raises ValidationError: keyed by field: nothing delivered, no receiver, a date in the
        future or before the order.
    """
    award = award_for_delivery(plan)
    Award.objects.select_for_update().filter(pk=award.pk).first()
    if order.award_id != award.pk or order.status != PurchaseOrder.Status.ISSUED:
        raise OrderNotOpen(
            _("Choose an open purchase order of this award."), field="purchase_order"
        )
    received_by = received_by.strip()
    if not received_by:
        raise ValidationError({"received_by": _("Write who received the items.")})
    _not_in_future(delivered_on, at=at, field="delivered_on")
    if delivered_on < order.issued_on:
        raise ValidationError(
            {"delivered_on": _("A delivery cannot be before its order was issued.")}
        )
    wanted = [line for line in lines if line.quantity]
    if not wanted:
        raise ValidationError({"lines": _("Write the quantity received of at least one item.")})
    values = []
    for line in wanted:
        if line.order_line.order_id != order.pk:
            raise OrderNotOpen(_("An item is not of this order."), field="lines")
        if line.quantity < 0:
            raise ValidationError({"lines": _("Quantities cannot be negative.")})
        received = _sum(line.order_line.deliveries.all(), "quantity")
        if received + line.quantity > line.order_line.quantity:
            raise DeliveryAboveOrder(
                _(
                    "%(item)s: %(ordered)s were ordered and %(received)s already received; "
                    "%(quantity)s more is too many."
                )
                % {
                    "item": line.order_line.item,
                    "ordered": line.order_line.quantity.normalize(),
                    "received": received.normalize(),
                    "quantity": line.quantity.normalize(),
                },
                field="lines",
            )
        values.append(
            (line.quantity * line.order_line.unit_cost).quantize(CENTS, rounding=ROUND_HALF_UP)
        )
    value = sum(values, ZERO)
    already = delivered(award)
    if already + value > award.amount:
        raise SpendingAboveAward(
            _("Deliveries would add up to %(total)s, above the award of %(award)s.")
            % {
                "total": money(already + value, award.currency),
                "award": money(award.amount, award.currency),
            },
            field="lines",
        )
    if not evidence:
        raise EvidenceMissing(
            _("Attach the signed receipt or a photo of the items delivered."), field="evidence"
        )
    for upload in evidence:
        check_evidence(upload.file)
    delivery = Delivery(
        award=award,
        purchase_order=order,
        delivered_on=delivered_on,
        received_by=received_by,
        value=value,
        notes=notes.strip(),
        recorded_by=by,
    )
    delivery.save(force_insert=True)
    DeliveryLine.objects.bulk_create(
        [
            DeliveryLine(
                delivery=delivery, order_line=line.order_line, quantity=line.quantity, value=v
            )
            for line, v in zip(wanted, values, strict=True)
        ]
    )
    changes = audit.changes_between({}, delivery)
    changes["lines"] = [None, [[line.order_line.item, str(line.quantity)] for line in wanted]]
    audit.record(actor=by, action="delivery.recorded", target=delivery, at=at, changes=changes)
    fully = all(
        _sum(order_line.deliveries.all(), "quantity") >= order_line.quantity
        for order_line in order.lines.all()
    )
    if fully:
        audit.save_fields(
            order,
            {"status": PurchaseOrder.Status.DELIVERED},
            actor=by,
            action="purchase_order.delivered",
            at=at,
        )
    if award.first_delivered_on is None or delivered_on < award.first_delivered_on:
        first = award.first_delivered_on is None
        audit.save_fields(
            award,
            {"first_delivered_on": delivered_on},
            actor=by,
            action="award.first_delivery",
            at=at,
        )
        if first:
            visits_schedule(award=award, by=by, at=at)
    if already + value >= award.amount:
        audit.save_fields(
            award,
            {"status": Award.Status.COMPLETED},
            actor=by,
            action="award.completed",
            at=at,
        )
    _save_evidence(delivery=delivery, uploads=evidence, by=by, at=at)
    return delivery


@transaction.atomic
def evidence_add(
    *, delivery: Delivery, upload: EvidenceUpload, by: User, at: datetime.datetime
) -> DeliveryEvidence:
    """Add a photo or a signed receipt to a delivery already recorded.

    :raises EvidenceInvalid: for a file that is not an image or PDF, or too large.
    """
    return _save_evidence(delivery=delivery, uploads=[upload], by=by, at=at)[0]


@transaction.atomic
def contribution_record(
    *,
    award: Award,
    description: str,
    amount: Decimal,
    contributed_on: datetime.date,
    by: User,
    at: datetime.datetime,
) -> OwnContribution:
    """Record what the participant contributed (money, work, premises, equipment).

    :raises ValidationError: keyed by field: no description, an amount not above zero, a
        date in the future.
    """
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Say what was contributed.")})
    amount = amount.quantize(CENTS, rounding=ROUND_HALF_UP)
    if amount <= 0:
        raise ValidationError({"amount": _("The value must be above zero.")})
    _not_in_future(contributed_on, at=at, field="contributed_on")
    contribution = OwnContribution(
        award=award,
        description=description,
        amount=amount,
        contributed_on=contributed_on,
        recorded_by=by,
    )
    contribution.save(force_insert=True)
    audit.record_created(actor=by, action="own_contribution.recorded", target=contribution, at=at)
    return contribution
