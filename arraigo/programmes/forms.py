from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from arraigo.accounts.models import Organisation
from arraigo.core.forms import DateInput, ModelForm
from arraigo.programmes.models import Programme
from arraigo.programmes.services import ProgrammeDetails


class ProgrammeForm(ModelForm):
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organisations"),
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Organisations that run the programme with yours."),
    )

    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "description",
            "country",
            "donor",
            "starts_on",
            "ends_on",
            "currency",
            "budget",
            "status",
            "partners",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("A programme cannot end before it starts."))
        return data

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("partners", forms.ModelChoiceField).queryset = Organisation.objects.filter(
            is_active=True
        ).exclude(pk=organisation.pk)

    def details(self) -> ProgrammeDetails:
        data = self.cleaned_data
        return ProgrammeDetails(
            code=data["code"],
            name=data["name"],
            country=data["country"],
            starts_on=data["starts_on"],
            description=data["description"],
            donor=data["donor"],
            ends_on=data["ends_on"],
            currency=data["currency"],
            budget=data["budget"],
            status=data["status"],
        )
