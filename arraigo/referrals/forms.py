"""Forms of referrals and the service directory: validation and cleaning only."""

import datetime
from collections.abc import Collection
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from arraigo.accounts.models import Organisation
from arraigo.core.forms import DateInput, Form, ModelForm
from arraigo.core.models import AdministrativeDivision
from arraigo.programmes.models import Programme
from arraigo.referrals.models import Provider, Referral, ReferralQuerySet, Service
from arraigo.referrals.services import ANSWER_DAYS, ProviderDetails, ServiceDetails

BLANK = [("", "—")]
OPEN = "OPEN"


def _provider_label(provider: Provider, has_consent: bool) -> str:
    label = f"{provider.name} · {provider.get_kind_display()}"
    return label if has_consent else f"{label} — {_('no consent to share with it')}"


class ReferralForm(Form):
    """A referral as staff write it: where to, for what, why and how urgently."""

    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.none(),
        empty_label=_("Choose a provider"),
        help_text=_("Providers that cover the person's municipality are listed first."),
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        empty_label=_("Choose a service"),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Referral.Urgency.choices,
        initial=Referral.Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for the referral"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the person needs and what the provider should know. The provider "
            "reads this; write only what it needs."
        ),
    )

    def __init__(
        self,
        *args: Any,
        providers: QuerySet[Provider],
        consented: Collection[object] = (),
        **kwargs: Any,
    ) -> None:
        """*consented*: the organisations the person's consents let referrals go to; the others
        are marked in the list, so staff see before sending where a consent is missing."""
        super().__init__(*args, **kwargs)
        provider_field = self.field_as("provider", forms.ModelChoiceField)
        provider_field.queryset = providers

        def choices(group: list[Provider]) -> list[tuple[object, str]]:
            return [(p.pk, _provider_label(p, p.organisation_id in consented)) for p in group]

        covering = [p for p in providers if getattr(p, "covers_participant", False)]
        others = [p for p in providers if not getattr(p, "covers_participant", False)]
        # Labelled and grouped for reading; the queryset still decides what is valid.
        if covering and others:
            provider_field.choices = [
                ("", provider_field.empty_label),
                (_("Cover the person's municipality"), choices(covering)),
                (_("Other providers"), choices(others)),
            ]
        else:
            provider_field.choices = [("", provider_field.empty_label), *choices(covering + others)]
        self.fields["urgency"].help_text = _(
            "The provider is asked to answer within %(routine)s days (routine), %(priority)s "
            "days (priority) or %(urgent)s days (urgent)."
        ) % {
            "routine": ANSWER_DAYS[Referral.Urgency.ROUTINE],
            "priority": ANSWER_DAYS[Referral.Urgency.PRIORITY],
            "urgent": ANSWER_DAYS[Referral.Urgency.URGENT],
        }
        self.chosen_provider = self._chosen_provider(providers)
        service_field = self.field_as("service", forms.ModelChoiceField)
        if self.chosen_provider is None:
            service_field.empty_label = _("Choose a provider first")
            return
        service_field.queryset = self.chosen_provider.services.filter(is_active=True)
        offered = list(service_field.queryset[:2])
        if len(offered) == 1 and not self.is_bound:
            self.initial["service"] = offered[0].pk

    def _chosen_provider(self, providers: QuerySet[Provider]) -> Provider | None:
        value = self.data.get("provider") if self.is_bound else self.initial.get("provider")
        if not value:
            return None
        try:
            return providers.filter(pk=value).first()
        except (ValueError, TypeError, forms.ValidationError):
            return None


class AcceptForm(Form):
    prefix = "accept"

    follow_up_on = forms.DateField(
        label=_("We will report back by"),
        required=False,
        widget=DateInput(),
        help_text=_("If empty, 30 days from today."),
    )
    note = forms.CharField(
        label=_("Note for the referring organisation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example, the date and place of the first appointment."),
    )


class DeclineForm(Form):
    prefix = "decline"

    decline_reason = forms.ChoiceField(
        label=_("Why can you not take it?"),
        choices=Referral.DeclineReason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('Required for "Other reason"; helps the caseworker find another service.'),
    )


class CompleteForm(Form):
    prefix = "complete"

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Referral.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(Form):
    prefix = "cancel"

    note = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralFilterForm(Form):
    """Filters of the referral list."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (OPEN, _("Open (sent or accepted)")), *Referral.Status.choices],
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        required=False,
        queryset=Programme.objects.none(),
        empty_label=_("All"),
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if programmes is None:
            del self.fields["programme"]
        else:
            self.field_as("programme", forms.ModelChoiceField).queryset = programmes

    def filter(self, referrals: ReferralQuerySet, *, today: datetime.date) -> ReferralQuerySet:
        data = self.cleaned_data
        if data["status"] == OPEN:
            referrals = referrals.filter(
                status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED]
            )
        elif data["status"]:
            referrals = referrals.filter(status=data["status"])
        if data["overdue"]:
            referrals = referrals.filter(Referral.objects.overdue_condition(today))
        if data.get("programme"):
            referrals = referrals.filter(case__programme=data["programme"])
        return referrals


def _municipality_label(division: AdministrativeDivision) -> str:
    return f"{division.name} ({division.parent.name})" if division.parent else division.name


class MunicipalityField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AdministrativeDivision) -> str:
        return _municipality_label(obj)


class MunicipalitiesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: AdministrativeDivision) -> str:
        return _municipality_label(obj)


class DirectorySearchForm(Form):
    q = forms.CharField(label=_("Name or service"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Service category"), required=False, choices=[*BLANK, *Service.Category.choices]
    )
    municipality = MunicipalityField(
        label=_("Municipality covered"),
        required=False,
        queryset=AdministrativeDivision.objects.none(),
        empty_label="—",
    )

    def __init__(
        self, *args: Any, municipalities: QuerySet[AdministrativeDivision], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("municipality", forms.ModelChoiceField).queryset = municipalities


class ProviderForm(ModelForm):
    municipalities = MunicipalitiesField(
        label=_("Municipalities covered"),
        queryset=AdministrativeDivision.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Hold Ctrl (or Cmd) to choose several. Leave empty if it serves anyone who comes."
        ),
    )
    organisation = forms.ModelChoiceField(
        label=_("Already on Arraigo as"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("No: add it as a new organisation"),
        help_text=_(
            "Choose the organisation if it already uses Arraigo, so its staff receive "
            "the referrals."
        ),
    )

    class Meta:
        model = Provider
        fields = [
            "name",
            "kind",
            "organisation",
            "description",
            "municipalities",
            "contact_person",
            "phone",
            "email",
            "address",
            "opening_hours",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, owner: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("municipalities", forms.ModelChoiceField).queryset = (
            AdministrativeDivision.objects.filter(
                Q(country=owner.country) | Q(pk__in=self._current_municipalities()),
                level=AdministrativeDivision.Level.MUNICIPALITY,
            )
            .select_related("parent")
            .order_by("parent__name", "name")
        )
        if not self.instance._state.adding:
            del self.fields["organisation"]
        else:
            self.field_as("organisation", forms.ModelChoiceField).queryset = (
                Organisation.objects.filter(is_active=True).exclude(pk=owner.pk).order_by("name")
            )

    def _current_municipalities(self) -> list[Any]:
        if self.instance._state.adding:
            return []
        return list(self.instance.municipalities.values_list("pk", flat=True))

    def details(self) -> ProviderDetails:
        data = self.cleaned_data
        return ProviderDetails(
            name=data["name"],
            kind=data["kind"],
            description=data["description"],
            contact_person=data["contact_person"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"],
            opening_hours=data["opening_hours"],
            is_active=data["is_active"],
        )


class ServiceForm(ModelForm):
    class Meta:
        model = Service
        fields = ["name", "category", "description", "eligibility", "is_active"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "eligibility": forms.Textarea(attrs={"rows": 3}),
        }

    def details(self) -> ServiceDetails:
        data = self.cleaned_data
        return ServiceDetails(
            name=data["name"],
            category=data["category"],
            description=data["description"],
            eligibility=data["eligibility"],
            is_active=data["is_active"],
        )
