"""Forms of awards: the award, tranches, purchase orders, deliveries, proof, contributions."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from arraigo.core.forms import DateInput, Form
from arraigo.livelihoods.models import (
    BudgetLine,
    DeliveryEvidence,
    PurchaseOrder,
    Tranche,
)
from arraigo.livelihoods.services import DeliveredLine, EvidenceUpload, OrderLineInput
from arraigo.livelihoods.uploads import ACCEPT


class AwardForm(Form):
    amount = forms.DecimalField(
        label=_("Amount awarded"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    awarded_on = forms.DateField(label=_("Awarded on"), widget=DateInput())


class TrancheForm(Form):
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    planned_on = forms.DateField(label=_("Planned for"), widget=DateInput())
    description = forms.CharField(label=_("What it covers"), max_length=200, required=False)


class TrancheChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("Tranche %(number)s") % {"number": obj.number}


class OrderForm(Form):
    supplier = forms.CharField(label=_("Supplier"), max_length=200)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    tranche = TrancheChoiceField(
        label=_("Tranche"), queryset=Tranche.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, tranches: QuerySet[Tranche], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("tranche", forms.ModelChoiceField).queryset = tranches
        if not tranches.exists():
            del self.fields["tranche"]


class BudgetLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.item


class OrderLineForm(Form):
    budget_line = BudgetLineChoiceField(
        label=_("Budget line"), queryset=BudgetLine.objects.none(), required=False, empty_label="—"
    )
    item = forms.CharField(label=_("Item"), max_length=200)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )

    def __init__(self, *args: Any, budget: QuerySet[BudgetLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("budget_line", forms.ModelChoiceField).queryset = budget


class BaseOrderLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, budget: QuerySet[BudgetLine], **kwargs: Any) -> None:
        self.budget = budget
        super().__init__(*args, **kwargs)
        for form in self.forms:
            form.use_required_attribute = False

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "budget": self.budget}

    def lines(self) -> list[OrderLineInput]:
        return [
            OrderLineInput(
                item=form.cleaned_data["item"],
                quantity=form.cleaned_data["quantity"],
                unit_cost=form.cleaned_data["unit_cost"],
                budget_line=form.cleaned_data.get("budget_line"),
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


# formset_factory is typed as returning a plain BaseFormSet; this one has ``lines()``.
OrderLineFormSet = cast(
    type[BaseOrderLineFormSet],
    formset_factory(
        OrderLineForm, formset=BaseOrderLineFormSet, extra=2, can_delete=True, max_num=60
    ),
)


class DeliveryForm(Form):
    """The quantity received of each line of the order, who received, when, and proof."""

    delivered_on = forms.DateField(label=_("Delivered on"), widget=DateInput())
    received_by = forms.CharField(
        label=_("Received by"), max_length=150, help_text=_("Name of who signed for the items.")
    )
    evidence_kind = forms.ChoiceField(label=_("The file is"), choices=DeliveryEvidence.Kind.choices)
    evidence = forms.FileField(
        label=_("Signed receipt or photo"),
        help_text=_("A photo (JPEG or PNG) or a PDF, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, order: PurchaseOrder, received: dict[Any, Decimal], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = list(order.lines.all())
        self.received = received
        quantities = {}
        for line in self.order_lines:
            left = line.quantity - received.get(line.pk, Decimal("0"))
            quantities[f"q_{line.pk}"] = forms.DecimalField(
                label=line.item,
                required=False,
                min_value=Decimal("0"),
                max_digits=10,
                decimal_places=2,
                help_text=_("%(left)s of %(ordered)s still to receive.")
                % {"left": left.normalize(), "ordered": line.quantity.normalize()},
            )
        self.fields = {**quantities, **self.fields}

    def quantity_fields(self) -> list[forms.BoundField]:
        return [self[f"q_{line.pk}"] for line in self.order_lines]

    def lines(self) -> list[DeliveredLine]:
        return [
            DeliveredLine(order_line=line, quantity=self.cleaned_data[f"q_{line.pk}"])
            for line in self.order_lines
            if self.cleaned_data.get(f"q_{line.pk}")
        ]

    def uploads(self) -> list[EvidenceUpload]:
        return [EvidenceUpload(self.cleaned_data["evidence_kind"], self.cleaned_data["evidence"])]


class EvidenceForm(Form):
    kind = forms.ChoiceField(label=_("The file is"), choices=DeliveryEvidence.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("A photo (JPEG or PNG) or a PDF, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class ContributionForm(Form):
    description = forms.CharField(label=_("What was contributed"), max_length=200)
    amount = forms.DecimalField(
        label=_("Value"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    contributed_on = forms.DateField(label=_("Contributed on"), widget=DateInput())


class CancelOrderForm(Form):
    confirm = forms.BooleanField(label=_("Cancel this order"), required=True)
