"""The business plan form and its budget lines (a formset whose totals the service computes)."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from arraigo.core.forms import Form
from arraigo.core.models import AdministrativeDivision, Occupation
from arraigo.livelihoods import sectors
from arraigo.livelihoods.models import CANVAS_FIELDS, BusinessPlan
from arraigo.livelihoods.services import LineInput, PlanDetails


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OccupationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.title}"


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.parent.name}" if obj.parent_id else obj.name


class PlanForm(Form):
    business_name = forms.CharField(label=_("Name of the business"), max_length=200)
    idea = forms.CharField(label=_("The business idea"), widget=_text(4))
    isic_section = forms.ChoiceField(label=_("Sector (ISIC section)"))
    occupation = OccupationChoiceField(
        label=_("Occupation (ISCO-08)"),
        queryset=Occupation.objects.none(),
        required=False,
        help_text=_("The owner's trade in the business."),
    )
    municipality = PlaceChoiceField(
        label=_("Municipality of the business"), queryset=AdministrativeDivision.objects.none()
    )
    location_detail = forms.CharField(
        label=_("Where exactly"),
        max_length=250,
        required=False,
        help_text=_("Market stall, street, at home… Not shown to the committee."),
    )
    market = forms.CharField(label=_("Market"), required=False, widget=_text())
    customers = forms.CharField(label=_("Customers"), required=False, widget=_text())
    experience = forms.CharField(label=_("Experience in the trade"), required=False, widget=_text())
    expected_monthly_sales = forms.DecimalField(
        label=_("Expected monthly sales"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    expected_monthly_costs = forms.DecimalField(
        label=_("Expected monthly costs"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    jobs_created = forms.IntegerField(
        label=_("Jobs it will create"),
        min_value=0,
        max_value=1000,
        initial=0,
        help_text=_("Besides the owner's own."),
    )

    def __init__(self, *args: Any, country: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("isic_section", forms.ChoiceField).choices = [
            ("", "—"),
            *sectors.section_choices(),
        ]
        self.field_as("occupation", forms.ModelChoiceField).queryset = Occupation.objects.filter(
            level=Occupation.Level.UNIT
        ).order_by("code")
        self.field_as("municipality", forms.ModelChoiceField).queryset = (
            AdministrativeDivision.objects.filter(
                country=country, level=AdministrativeDivision.Level.MUNICIPALITY
            )
            .select_related("parent")
            .order_by("name", "code")
        )
        for name in CANVAS_FIELDS:
            self.fields[name] = forms.CharField(
                label=str(
                    getattr(BusinessPlan._meta.get_field(name), "verbose_name", name)
                ).capitalize(),
                required=False,
                widget=_text(2),
            )

    def canvas_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in CANVAS_FIELDS]

    def details(self) -> PlanDetails:
        data = self.cleaned_data
        return PlanDetails(
            business_name=data["business_name"],
            idea=data["idea"],
            isic_section=data["isic_section"],
            occupation=data["occupation"],
            municipality=data["municipality"],
            location_detail=data["location_detail"],
            market=data["market"],
            customers=data["customers"],
            experience=data["experience"],
            canvas={name: data[name] for name in CANVAS_FIELDS},
            expected_monthly_sales=data["expected_monthly_sales"],
            expected_monthly_costs=data["expected_monthly_costs"],
            jobs_created=data["jobs_created"],
        )


def plan_initial(plan: BusinessPlan) -> dict[str, Any]:
    names = [
        "business_name",
        "idea",
        "isic_section",
        "location_detail",
        "market",
        "customers",
        "experience",
        "expected_monthly_sales",
        "expected_monthly_costs",
        "jobs_created",
        *CANVAS_FIELDS,
    ]
    initial = {name: getattr(plan, name) for name in names}
    initial.update(occupation=plan.occupation_id, municipality=plan.municipality_id)
    return initial


class BudgetLineForm(Form):
    item = forms.CharField(label=_("Item"), max_length=200)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    supplier = forms.CharField(label=_("Supplier"), max_length=200, required=False)
    own_contribution = forms.DecimalField(
        label=_("Own contribution"),
        min_value=Decimal("0"),
        required=False,
        max_digits=12,
        decimal_places=2,
    )


class BaseBudgetFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form in self.forms:
            form.use_required_attribute = False

    def lines(self) -> list[LineInput]:
        """The lines filled in and not removed; blank rows are left out."""
        return [
            LineInput(
                item=form.cleaned_data["item"],
                quantity=form.cleaned_data["quantity"],
                unit_cost=form.cleaned_data["unit_cost"],
                supplier=form.cleaned_data.get("supplier") or "",
                own_contribution=form.cleaned_data.get("own_contribution") or Decimal("0"),
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def readable_lines(self) -> list[LineInput]:
        """The lines that can be read from the posted data, even if the form has errors
        elsewhere (to show running totals)."""
        lines = []
        for form in self.forms:
            prefix = form.prefix
            try:
                quantity = Decimal(self.data.get(f"{prefix}-quantity") or "")
                unit_cost = Decimal(self.data.get(f"{prefix}-unit_cost") or "")
                own = Decimal(self.data.get(f"{prefix}-own_contribution") or "0")
            except ArithmeticError:
                continue
            if self.data.get(f"{prefix}-DELETE") or not all(
                value.is_finite() for value in (quantity, unit_cost, own)
            ):
                continue
            if quantity > 0 and unit_cost >= 0 and own >= 0:
                lines.append(
                    LineInput(
                        item=self.data.get(f"{prefix}-item", ""),
                        quantity=quantity,
                        unit_cost=unit_cost,
                        own_contribution=own,
                    )
                )
        return lines


# formset_factory is typed as returning a plain BaseFormSet; this one has ``lines()``.
BudgetFormSet = cast(
    type[BaseBudgetFormSet],
    formset_factory(
        BudgetLineForm, formset=BaseBudgetFormSet, extra=3, can_delete=True, max_num=60
    ),
)


def budget_initial(plan: BusinessPlan) -> list[dict[str, Any]]:
    return [
        {
            "item": line.item,
            "quantity": line.quantity,
            "unit_cost": line.unit_cost,
            "supplier": line.supplier,
            "own_contribution": line.own_contribution,
        }
        for line in plan.budget_lines.order_by("order", "id")
    ]
