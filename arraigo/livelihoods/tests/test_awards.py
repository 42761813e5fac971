"""Awards and in-kind delivery: never above the award, never without one, proof checked."""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from arraigo.core.models import AuditEvent
from arraigo.livelihoods import selectors, services, uploads
from arraigo.livelihoods.models import (
    Award,
    BusinessPlan,
    Delivery,
    DeliveryEvidence,
    DeliveryLine,
    FollowUpVisit,
    PurchaseOrder,
    Tranche,
)
from arraigo.livelihoods.services import DeliveredLine, EvidenceUpload, OrderLineInput
from arraigo.livelihoods.tests.conftest import NOW
from arraigo.livelihoods.tests.factories import ApprovedPlanFactory, AwardFactory

pytestmark = pytest.mark.django_db

AWARDED_ON = datetime.date(2026, 4, 30)
DELIVERED_ON = datetime.date(2026, 5, 2)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name: str = "IMG_2041 María.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf(name: str = "recibo.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "application/pdf")


@pytest.fixture
def plan(programme):
    return ApprovedPlanFactory(application__call__programme=programme)


@pytest.fixture
def award(plan, manager):
    return services.award_create(
        plan=plan, amount=Decimal("900"), awarded_on=AWARDED_ON, by=manager, at=NOW
    )


def _order(award, manager, lines, tranche=None, supplier="Ferretería El Pino"):
    return services.purchase_order_issue(
        award=award,
        supplier=supplier,
        lines=lines,
        issued_on=datetime.date(2026, 5, 1),
        tranche=tranche,
        by=manager,
        at=NOW,
    )


def _deliver(plan, order, caseworker, quantities, evidence=None, on=DELIVERED_ON):
    lines = [
        DeliveredLine(order_line=line, quantity=quantity)
        for line, quantity in zip(order.lines.order_by("id"), quantities, strict=True)
    ]
    return services.delivery_record(
        plan=plan,
        order=order,
        lines=lines,
        delivered_on=on,
        received_by="María Hernández",
        notes="",
        evidence=evidence if evidence is not None else [EvidenceUpload("SIGNATURE", pdf())],
        by=caseworker,
        at=NOW,
    )


PLANCHA = [OrderLineInput("Plancha de hierro", Decimal("2"), Decimal("400.00"))]


# --- The award ----------------------------------------------------------------------------------


def test_an_award_is_made_for_an_approved_plan_within_the_approved_amount(plan, manager):
    award = services.award_create(
        plan=plan, amount=Decimal("850"), awarded_on=NOW.date(), by=manager, at=NOW
    )

    assert award.amount == Decimal("850.00")
    assert award.currency == "USD"
    assert award.status == Award.Status.ACTIVE
    event = AuditEvent.objects.get(action="award.made")
    assert event.data_subject_id == plan.application.participant_id


def test_an_award_above_the_approved_amount_is_refused(plan, manager):
    with pytest.raises(services.AwardAboveApproved, match=re.escape("900.00 USD")) as refused:
        services.award_create(
            plan=plan, amount=Decimal("900.01"), awarded_on=NOW.date(), by=manager, at=NOW
        )
    assert refused.value.field == "amount"
    assert not Award.objects.exists()


def test_only_approved_plans_are_awarded_once(programme, plan, award, manager):
    with pytest.raises(services.AlreadyAwarded):
        services.award_create(
            plan=plan, amount=Decimal("100"), awarded_on=NOW.date(), by=manager, at=NOW
        )
    rejected = ApprovedPlanFactory(
        application__call=plan.application.call,
        status=BusinessPlan.Status.REJECTED,
        approved_amount=None,
    )
    with pytest.raises(services.PlanNotApproved):
        services.award_create(
            plan=rejected, amount=Decimal("100"), awarded_on=NOW.date(), by=manager, at=NOW
        )


def test_awards_stay_within_the_calls_budget(plan, manager):
    call = plan.application.call
    call.budget = Decimal("1500")
    call.save()
    AwardFactory(plan=ApprovedPlanFactory(application__call=call), amount=Decimal("1000"))

    with pytest.raises(services.CallBudgetExceeded, match=re.escape("500.00 USD is left")):
        services.award_create(
            plan=plan, amount=Decimal("900"), awarded_on=AWARDED_ON, by=manager, at=NOW
        )


# --- Tranches and purchase orders ---------------------------------------------------------------


def test_tranches_cannot_add_up_to_more_than_the_award(award, manager):
    services.tranche_add(
        award=award,
        amount=Decimal("600"),
        planned_on=NOW.date(),
        description="Equipo",
        by=manager,
        at=NOW,
    )

    with pytest.raises(services.SpendingAboveAward, match=re.escape("300.00 USD is left")):
        services.tranche_add(
            award=award,
            amount=Decimal("301"),
            planned_on=NOW.date(),
            description="Insumos",
            by=manager,
            at=NOW,
        )
    second = services.tranche_add(
        award=award,
        amount=Decimal("300"),
        planned_on=NOW.date(),
        description="",
        by=manager,
        at=NOW,
    )
    assert second.number == 2


def test_a_purchase_order_is_priced_from_its_lines_and_numbered(award, manager, organisation):
    order = _order(award, manager, PLANCHA)

    assert order.total == Decimal("800.00")
    assert order.reference == f"OC{organisation.reference_prefix}-2026-000001"
    assert order.lines.get().total == Decimal("800.00")


def test_an_order_above_the_award_is_refused_with_what_is_left(award, manager):
    _order(award, manager, PLANCHA)

    with pytest.raises(services.SpendingAboveAward) as refused:
        _order(award, manager, [OrderLineInput("Mesa", Decimal("1"), Decimal("150"))])

    assert "150.00 USD" in refused.value.message
    assert "100.00 USD" in refused.value.message  # left to order
    assert PurchaseOrder.objects.count() == 1


def test_a_cancelled_order_frees_its_amount(award, manager):
    first = _order(award, manager, PLANCHA)
    services.purchase_order_cancel(order=first, by=manager, at=NOW)

    second = _order(award, manager, [OrderLineInput("Horno", Decimal("1"), Decimal("900"))])

    assert second.total == Decimal("900.00")


def test_an_order_within_a_tranche_is_checked_against_it(award, manager):
    tranche = services.tranche_add(
        award=award,
        amount=Decimal("500"),
        planned_on=NOW.date(),
        description="",
        by=manager,
        at=NOW,
    )

    with pytest.raises(services.SpendingAboveTranche, match="Tranche 1"):
        _order(award, manager, PLANCHA, tranche=tranche)
    order = _order(
        award, manager, [OrderLineInput("Plancha", Decimal("1"), Decimal("400"))], tranche=tranche
    )
    assert order.tranche == tranche


def test_order_lines_must_be_of_the_plans_budget(award, manager, programme):
    other_plan = ApprovedPlanFactory(application__call__programme=programme)
    foreign = other_plan.budget_lines.get()

    with pytest.raises(services.OrderInvalid):
        _order(
            award,
            manager,
            [OrderLineInput("Plancha", Decimal("1"), Decimal("10"), budget_line=foreign)],
        )
    with pytest.raises(services.OrderInvalid):
        _order(award, manager, [])
    with pytest.raises(ValidationError):
        _order(award, manager, PLANCHA, supplier="  ")


def test_an_order_dated_before_the_award_is_refused_at_its_date(award, manager):
    with pytest.raises(ValidationError) as refused:
        services.purchase_order_issue(
            award=award,
            supplier="Ferretería El Pino",
            lines=PLANCHA,
            issued_on=AWARDED_ON - datetime.timedelta(days=1),
            tranche=None,
            by=manager,
            at=NOW,
        )

    assert refused.value.message_dict == {
        "issued_on": ["An order cannot be issued before the award."]
    }
    assert not award.purchase_orders.exists()


# --- Deliveries ---------------------------------------------------------------------------------


def test_a_delivery_without_an_award_is_refused_and_nothing_is_saved(plan, caseworker, manager):
    other_award = AwardFactory(
        plan=ApprovedPlanFactory(application__call=plan.application.call), awarded_on=AWARDED_ON
    )
    order = _order(other_award, manager, PLANCHA)

    with pytest.raises(services.DeliveryWithoutAward, match="no award yet"):
        _deliver(plan, order, caseworker, [Decimal("1")])

    assert not Delivery.objects.exists()
    assert not DeliveryEvidence.objects.exists()


def test_a_delivery_records_items_proof_and_schedules_the_visits(
    plan, award, manager, caseworker, settings
):
    order = _order(award, manager, PLANCHA)

    delivery = _deliver(
        plan, order, caseworker, [Decimal("2")], evidence=[EvidenceUpload("PHOTO", photo())]
    )

    assert delivery.value == Decimal("800.00")
    order.refresh_from_db()
    award.refresh_from_db()
    assert order.status == PurchaseOrder.Status.DELIVERED
    assert award.first_delivered_on == DELIVERED_ON
    assert award.status == Award.Status.ACTIVE  # 100.00 still to deliver
    assert list(award.visits.values_list("months_after", "due_on")) == [
        (3, datetime.date(2026, 8, 2)),
        (6, datetime.date(2026, 11, 2)),
        (12, datetime.date(2027, 5, 2)),
    ]
    evidence = delivery.evidence.get()
    stored = Path(settings.MEDIA_ROOT) / evidence.file.name
    assert stored.exists()
    assert evidence.file.name.startswith("livelihoods/evidence/")
    assert evidence.file.name.endswith(".png")
    assert "María" not in evidence.file.name
    assert "IMG" not in evidence.file.name
    assert (evidence.content_type, evidence.kind) == ("image/png", "PHOTO")


def test_a_second_delivery_keeps_the_schedule_and_completes_the_award(
    plan, award, manager, caseworker
):
    first = _order(award, manager, PLANCHA)
    _deliver(plan, first, caseworker, [Decimal("2")])
    second = _order(
        award, manager, [OrderLineInput("Cilindro de gas", Decimal("1"), Decimal("100"))]
    )

    _deliver(plan, second, caseworker, [Decimal("1")], on=datetime.date(2026, 5, 3))

    award.refresh_from_db()
    assert award.status == Award.Status.COMPLETED
    assert award.first_delivered_on == DELIVERED_ON
    assert FollowUpVisit.objects.filter(award=award).count() == 3


def test_partial_deliveries_up_to_the_quantity_ordered(plan, award, manager, caseworker):
    order = _order(award, manager, PLANCHA)
    _deliver(plan, order, caseworker, [Decimal("1")])
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.ISSUED

    with pytest.raises(services.DeliveryAboveOrder, match="2 were ordered and 1 already received"):
        _deliver(plan, order, caseworker, [Decimal("2")])
    assert DeliveryLine.objects.count() == 1


def test_a_delivery_needs_proof(plan, award, manager, caseworker):
    order = _order(award, manager, PLANCHA)

    with pytest.raises(services.EvidenceMissing):
        _deliver(plan, order, caseworker, [Decimal("2")], evidence=[])
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image", "image/png"),
            "of another kind",
        ),
        (SimpleUploadedFile("notes.pdf", b"just text", "application/pdf"), "of another kind"),
        (SimpleUploadedFile("empty.jpg", b"", "image/jpeg"), "empty"),
        (
            SimpleUploadedFile("broken.png", b"\x89PNG\r\n\x1a\n" + b"0" * 40, "image/png"),
            "cannot be read",
        ),
    ],
)
def test_proof_of_another_kind_is_refused_and_nothing_is_saved(
    plan, award, manager, caseworker, settings, upload, message
):
    order = _order(award, manager, PLANCHA)

    with pytest.raises(services.EvidenceInvalid, match=message):
        _deliver(
            plan, order, caseworker, [Decimal("2")], evidence=[EvidenceUpload("PHOTO", upload)]
        )

    assert not Delivery.objects.exists()
    assert not FollowUpVisit.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(media.rglob("*.*"))


def test_proof_above_the_size_limit_is_refused(plan, award, manager, caseworker, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 20)
    order = _order(award, manager, PLANCHA)

    with pytest.raises(services.EvidenceInvalid, match="the limit is"):
        _deliver(
            plan, order, caseworker, [Decimal("2")], evidence=[EvidenceUpload("PHOTO", photo())]
        )
    assert not Delivery.objects.exists()


def test_more_proof_can_be_added_later(plan, award, manager, caseworker):
    order = _order(award, manager, PLANCHA)
    delivery = _deliver(plan, order, caseworker, [Decimal("2")])

    services.evidence_add(
        delivery=delivery, upload=EvidenceUpload("PHOTO", photo()), by=caseworker, at=NOW
    )

    assert sorted(delivery.evidence.values_list("kind", flat=True)) == ["PHOTO", "SIGNATURE"]


def test_deliveries_of_a_completed_award_are_refused(plan, award, manager, caseworker):
    order = _order(award, manager, PLANCHA)
    Award.objects.filter(pk=award.pk).update(status=Award.Status.CANCELLED)

    with pytest.raises(services.AwardNotActive):
        _deliver(plan, order, caseworker, [Decimal("1")])


def test_delivery_dates_are_checked(plan, award, manager, caseworker):
    order = _order(award, manager, PLANCHA)

    with pytest.raises(ValidationError) as refused:
        _deliver(plan, order, caseworker, [Decimal("1")], on=datetime.date(2026, 4, 30))
    assert "delivered_on" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _deliver(plan, order, caseworker, [Decimal("1")], on=datetime.date(2026, 6, 1))


def test_the_own_contribution_is_recorded(award, caseworker):
    contribution = services.contribution_record(
        award=award,
        description="Local propio y mesas",
        amount=Decimal("150"),
        contributed_on=NOW.date(),
        by=caseworker,
        at=NOW,
    )

    assert contribution.amount == Decimal("150.00")
    with pytest.raises(ValidationError):
        services.contribution_record(
            award=award,
            description="x",
            amount=Decimal("0"),
            contributed_on=NOW.date(),
            by=caseworker,
            at=NOW,
        )


def test_tranche_numbers_follow_each_other(award, manager):
    for amount in ("100", "200"):
        services.tranche_add(
            award=award,
            amount=Decimal(amount),
            planned_on=NOW.date(),
            description="",
            by=manager,
            at=NOW,
        )
    assert list(Tranche.objects.values_list("number", flat=True)) == [1, 2]


def test_proof_is_downloaded_only_through_the_access_checked_page(
    client, plan, award, manager, caseworker, evaluators, settings
):
    from django.urls import reverse

    order = _order(award, manager, PLANCHA)
    delivery = _deliver(plan, order, caseworker, [Decimal("2")])
    evidence = delivery.evidence.get()
    url = reverse("livelihoods:evidence_file", args=[evidence.pk])

    client.force_login(caseworker)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client.get(settings.MEDIA_URL + evidence.file.name).status_code == 404
    client.force_login(evaluators[0])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


# --- What a new order proposes ------------------------------------------------------------------


def _budget_line(plan, order, item, quantity, unit_cost, own, supplier="Ferretería El Pino"):
    total = Decimal(quantity) * Decimal(unit_cost)
    return plan.budget_lines.create(
        order=order,
        item=item,
        quantity=Decimal(quantity),
        unit_cost=Decimal(unit_cost),
        own_contribution=Decimal(own),
        supplier=supplier,
        total=total,
    )


@pytest.fixture
def mixed_budget(plan):
    """The factory's iron (1,000, 100 paid by the participant) and three more lines."""
    return {
        "sillas": _budget_line(plan, 2, "Sillas", "10", "20.00", "40.00"),
        "local": _budget_line(plan, 3, "Alquiler del local", "1", "150.00", "150.00"),
        "harina": _budget_line(plan, 4, "Harina", "5", "30.00", "0", supplier="Molino Sol"),
    }


def _proposed(award, supplier=""):
    return [
        (line["item"], line["quantity"], line["unit_cost"])
        for line in selectors.lines_left_to_order(award=award, supplier=supplier)
    ]


def test_an_order_proposes_only_what_the_award_pays_of_each_line(award, mixed_budget):
    assert _proposed(award) == [
        ("Plancha de hierro", Decimal("1"), Decimal("900.00")),
        ("Sillas", Decimal("8"), Decimal("20.00")),
        ("Harina", Decimal("5"), Decimal("30.00")),
    ]
    assert _proposed(award, supplier="Molino Sol") == [("Harina", Decimal("5"), Decimal("30.00"))]


def test_an_order_proposes_what_no_other_order_covers_yet(award, mixed_budget, manager):
    sillas = mixed_budget["sillas"]
    ordered = _order(
        award, manager, [OrderLineInput("Sillas", Decimal("3"), Decimal("20"), budget_line=sillas)]
    )
    assert ("Sillas", Decimal("5"), Decimal("20.00")) in _proposed(award)

    services.purchase_order_cancel(order=ordered, by=manager, at=NOW)

    assert ("Sillas", Decimal("8"), Decimal("20.00")) in _proposed(award)


def test_the_proposed_lines_of_a_supplier_are_accepted_as_an_order(award, manager):
    proposed = selectors.lines_left_to_order(award=award, supplier="Ferretería El Pino")
    lines = [
        OrderLineInput(
            line["item"],
            line["quantity"],
            line["unit_cost"],
            budget_line=award.plan.budget_lines.get(pk=line["budget_line"]),
        )
        for line in proposed
    ]

    order = _order(award, manager, lines)

    assert order.total == award.amount
    assert selectors.lines_left_to_order(award=award) == []
