"""Award pages: the award, its tranches and purchase orders, deliveries with their proof
(served only through an access check, never from a public URL), and own contributions."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arraigo.core import audit
from arraigo.core.http import AuthenticatedRequest
from arraigo.core.lookups import get_or_404
from arraigo.core.models import AuditEvent
from arraigo.livelihoods import selectors, services
from arraigo.livelihoods.forms.awards import (
    AwardForm,
    ContributionForm,
    DeliveryForm,
    EvidenceForm,
    OrderForm,
    OrderLineFormSet,
    TrancheForm,
)
from arraigo.livelihoods.models import Award, Delivery, PurchaseOrder
from arraigo.livelihoods.permissions import (
    access_award,
    access_evidence,
    access_plan,
    may,
    visible_awards,
)
from arraigo.livelihoods.services import EvidenceUpload
from arraigo.livelihoods.views.common import Refusal, flags, form_page, message_of
from arraigo.livelihoods.views.plans import plan_url


def award_url(award: Award) -> str:
    return reverse("livelihoods:award_detail", args=[award.pk])


@require_http_methods(["GET", "POST"])
def award_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, action="decide")
    existing = Award.objects.filter(plan=plan).first()
    if existing is not None:
        return redirect(award_url(existing))
    form = AwardForm(
        request.POST or None,
        initial={"amount": plan.approved_amount, "awarded_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            award = services.award_create(
                plan=plan,
                amount=form.cleaned_data["amount"],
                awarded_on=form.cleaned_data["awarded_on"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The seed capital was awarded."))
            return redirect(award_url(award))
    return form_page(
        request,
        form=form,
        heading=_("Award the seed capital of plan %(label)s") % {"label": plan.label},
        intro=_("At most the amount the committee approved; delivered in kind.")
        if plan.is_approved
        else _("Only a plan the committee approved can be awarded."),
        call=plan.application.call,
        back=plan_url(plan),
    )


@require_GET
def award_detail(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    award = access_award(user=request.user, pk=pk)
    plan = award.plan
    orders = list(selectors.award_orders(award=award))
    received = {}
    for order in orders:
        received.update(selectors.received_by_line(order=order))
    return render(
        request,
        "livelihoods/award_detail.html",
        {
            "award": award,
            "plan": plan,
            "call": plan.application.call,
            "participant": plan.application.participant,
            "money": selectors.award_money(award=award),
            "tranches": award.tranches.all(),
            "orders": orders,
            "received": received,
            "deliveries": award.deliveries.select_related("purchase_order")
            .prefetch_related("evidence", "lines__order_line")
            .order_by("delivered_on", "id"),
            "contributions": award.contributions.all(),
            "visits": selectors.award_visits(award=award),
            **flags(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def tranche_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    award = access_award(user=request.user, pk=pk, action="decide")
    form = TrancheForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tranche_add(
                award=award,
                amount=form.cleaned_data["amount"],
                planned_on=form.cleaned_data["planned_on"],
                description=form.cleaned_data["description"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The tranche was planned."))
            return redirect(award_url(award))
    money = selectors.award_money(award=award)
    return form_page(
        request,
        form=form,
        heading=_("Plan a tranche"),
        intro=_("%(left)s of the award is left to plan in tranches.")
        % {"left": services.money(money.left_to_plan, award.currency)},
        call=award.plan.application.call,
        back=award_url(award),
    )


@require_http_methods(["GET", "POST"])
def order_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    award = access_award(user=request.user, pk=pk, action="decide")
    budget = award.plan.budget_lines.order_by("order", "id")
    data = request.POST if request.method == "POST" else None
    form = OrderForm(
        data, tranches=award.tranches.all(), initial={"issued_on": timezone.localdate()}
    )
    supplier = request.GET.get("supplier", "")
    lines = selectors.lines_left_to_order(award=award, supplier=supplier)
    formset = OrderLineFormSet(data, prefix="lines", budget=budget, initial=lines)
    if supplier:
        form.initial["supplier"] = supplier
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            order = services.purchase_order_issue(
                award=award,
                supplier=form.cleaned_data["supplier"],
                lines=formset.lines(),
                issued_on=form.cleaned_data["issued_on"],
                tranche=form.cleaned_data.get("tranche"),
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("The purchase order %(reference)s was issued.") % {"reference": order.reference},
            )
            return redirect(award_url(award))
    return render(
        request,
        "livelihoods/order_form.html",
        {
            "award": award,
            "call": award.plan.application.call,
            "form": form,
            "formset": formset,
            "money": selectors.award_money(award=award),
            "suppliers": sorted({line.supplier for line in budget if line.supplier}),
            "supplier": supplier,
        },
    )


@require_POST
def order_cancel(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    order = get_or_404(
        PurchaseOrder.objects.filter(award__in=visible_awards(request.user)).select_related(
            "award"
        ),
        pk=pk,
    )
    if not may(request.user, "decide"):
        raise PermissionDenied
    try:
        services.purchase_order_cancel(order=order, by=request.user, at=timezone.now())
    except Refusal as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The order was cancelled."))
    return redirect(award_url(order.award))


@require_http_methods(["GET", "POST"])
def delivery_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    """Record a delivery of a plan's award; ``?order=`` names the purchase order."""
    plan = access_plan(user=request.user, pk=pk, action="work")
    call = plan.application.call
    try:
        award = services.award_for_delivery(plan)
    except Refusal as error:
        # Nothing to deliver against: say why on the plan's page; nothing is written.
        messages.error(request, message_of(error))
        return redirect(plan_url(plan))
    open_orders = award.purchase_orders.filter(status=PurchaseOrder.Status.ISSUED)
    order_id = request.POST.get("order") or request.GET.get("order")
    if not order_id:
        return render(
            request,
            "livelihoods/delivery_choose.html",
            {"award": award, "plan": plan, "call": call, "orders": open_orders},
        )
    order = get_or_404(award.purchase_orders.all(), pk=order_id)
    form = DeliveryForm(
        request.POST or None,
        request.FILES or None,
        order=order,
        received=selectors.received_by_line(order=order),
        initial={
            "delivered_on": timezone.localdate(),
            "received_by": plan.application.participant.full_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.delivery_record(
                plan=plan,
                order=order,
                lines=form.lines(),
                delivered_on=form.cleaned_data["delivered_on"],
                received_by=form.cleaned_data["received_by"],
                notes=form.cleaned_data["notes"],
                evidence=form.uploads(),
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The delivery was recorded."))
            return redirect(award_url(award))
    return render(
        request,
        "livelihoods/delivery_form.html",
        {"award": award, "plan": plan, "call": call, "order": order, "form": form},
    )


@require_http_methods(["GET", "POST"])
def evidence_add(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    delivery: Delivery = get_or_404(
        Delivery.objects.filter(award__in=visible_awards(request.user)).select_related(
            "award__plan__application__call"
        ),
        pk=pk,
    )
    if not may(request.user, "work"):
        raise PermissionDenied
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_add(
                delivery=delivery,
                upload=EvidenceUpload(form.cleaned_data["kind"], form.cleaned_data["file"]),
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The file was added to the delivery."))
            return redirect(award_url(delivery.award))
    return form_page(
        request,
        form=form,
        heading=_("Add proof of delivery"),
        call=delivery.award.plan.application.call,
        back=award_url(delivery.award),
        multipart=True,
    )


@require_GET
def evidence_file(request: AuthenticatedRequest, pk: object) -> FileResponse:
    """The file of a delivery's proof, for staff who see the award; each read is recorded."""
    evidence = access_evidence(user=request.user, pk=pk)
    try:
        handle: Any = evidence.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    audit.record(
        actor=request.user,
        action="delivery_evidence.read",
        target=evidence,
        at=timezone.now(),
        kind=AuditEvent.Kind.READ,
    )
    response = FileResponse(handle, content_type=evidence.content_type)
    suffix = str(evidence.file.name).rsplit(".", 1)[-1]
    disposition = "inline" if evidence.content_type.startswith("image/") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="delivery-{evidence.pk}.{suffix}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def contribution_new(request: AuthenticatedRequest, pk: object) -> HttpResponse:
    award = access_award(user=request.user, pk=pk, action="work")
    form = ContributionForm(request.POST or None, initial={"contributed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_record(
                award=award,
                description=form.cleaned_data["description"],
                amount=form.cleaned_data["amount"],
                contributed_on=form.cleaned_data["contributed_on"],
                by=request.user,
                at=timezone.now(),
            )
        except Refusal as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The contribution was recorded."))
            return redirect(award_url(award))
    return form_page(
        request,
        form=form,
        heading=_("The participant's own contribution"),
        intro=_("Money, work, premises or equipment the person puts in, with its value."),
        call=award.plan.application.call,
        back=award_url(award),
    )
