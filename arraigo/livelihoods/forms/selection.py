"""Forms of applications: finding someone to apply, motivation, withdrawal, referral instead."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from arraigo.core.forms import DateInput, Form
from arraigo.referrals.models import Referral, Service


class SearchForm(Form):
    q = forms.CharField(
        label=_("Find the person by name or reference"),
        max_length=120,
        required=False,
        help_text=_("E.g. “María Hernández” or SV-2026-000123."),
    )


class ApplyForm(Form):
    participant = forms.UUIDField(widget=forms.HiddenInput)


class MotivationForm(Form):
    motivation_score = forms.IntegerField(label=_("Motivation interview score"), min_value=0)

    def __init__(self, *args: Any, maximum: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.field_as("motivation_score", forms.IntegerField)
        field.help_text = _("From 0 to %(max)s.") % {"max": maximum}


class WithdrawForm(Form):
    withdrawn_on = forms.DateField(label=_("Withdrew on"), widget=DateInput())
    reason = forms.CharField(label=_("Why"), max_length=300)


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.provider.name} · {obj.name} ({obj.get_category_display()})"


class ReferForm(Form):
    service = ServiceChoiceField(label=_("Provider and service"), queryset=Service.objects.none())
    reason = forms.CharField(
        label=_("Why the person is referred"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Referral.Urgency.choices, initial=Referral.Urgency.ROUTINE
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("service", forms.ModelChoiceField).queryset = services
