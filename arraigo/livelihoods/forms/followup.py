"""Forms of the follow-up: a visit's findings, with an optional further referral."""

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from arraigo.core.forms import DateInput, Form
from arraigo.livelihoods.forms.selection import ServiceChoiceField
from arraigo.livelihoods.services import ReferralRequest, VisitFindings
from arraigo.referrals.models import Referral, Service


class VisitForm(Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput())
    sold_last_month = forms.TypedChoiceField(
        label=_("Did the business sell anything in the last month?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    monthly_sales = forms.DecimalField(
        label=_("Sales in the last month"), max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    monthly_costs = forms.DecimalField(
        label=_("Costs in the last month"), max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    people_employed = forms.IntegerField(
        label=_("People employed besides the owner"), min_value=0, max_value=1000
    )
    problems = forms.CharField(
        label=_("Problems"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    refer_service = ServiceChoiceField(
        label=_("Refer the person to"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("No referral"),
    )
    refer_reason = forms.CharField(
        label=_("Why"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    refer_urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Referral.Urgency.choices, initial=Referral.Urgency.ROUTINE
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("refer_service", forms.ModelChoiceField).queryset = services

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("refer_service") and not (data.get("refer_reason") or "").strip():
            self.add_error("refer_reason", _("Say why the person is referred."))
        return data

    def findings(self) -> VisitFindings:
        data = self.cleaned_data
        return VisitFindings(
            visited_on=data["visited_on"],
            sold_last_month=data["sold_last_month"],
            monthly_sales=data["monthly_sales"],
            monthly_costs=data["monthly_costs"],
            people_employed=data["people_employed"],
            problems=data["problems"],
            notes=data["notes"],
        )

    def referral(self) -> ReferralRequest | None:
        service = self.cleaned_data.get("refer_service")
        if service is None:
            return None
        return ReferralRequest(
            provider=service.provider,
            service=service,
            reason=self.cleaned_data["refer_reason"],
            urgency=self.cleaned_data["refer_urgency"],
        )


class MissedForm(Form):
    notes = forms.CharField(
        label=_("Why the visit could not be done"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
