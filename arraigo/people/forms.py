"""Forms of the registry: validation and cleaning only; the rules live in services."""

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from arraigo.accounts.models import Organisation
from arraigo.core.forms import DateInput, Form
from arraigo.core.models import AdministrativeDivision, Country, Occupation
from arraigo.core.reference_data import washington_group_answers, washington_group_questions
from arraigo.people.identifiers import validate_document_number, validate_phone
from arraigo.people.models import (
    Consent,
    EducationLevel,
    GenderIdentity,
    IdentityDocument,
    Language,
    PopulationType,
    Relationship,
    ReturnKind,
    Sex,
)
from arraigo.people.services import (
    DocumentDetails,
    ParticipantDetails,
    birth_date_from_age,
    details_from_input,
)
from arraigo.programmes.models import Programme

Division = AdministrativeDivision
BLANK = [("", "—")]


def _country_choices() -> list[tuple[str, str]]:
    return BLANK + [(code, str(name)) for code, name in countries]


def _occupation_choices() -> list[Any]:
    """Unit groups of ISCO-08, grouped under their major group, in the user's language."""
    majors = {o.code: o.title for o in Occupation.objects.filter(level=Occupation.Level.MAJOR)}
    grouped: dict[str, list[tuple[str, str]]] = {}
    for unit in Occupation.objects.filter(level=Occupation.Level.UNIT).order_by("code"):
        grouped.setdefault(majors[unit.code[0]], []).append((unit.code, unit.title))
    return BLANK + list(grouped.items())


def _wg_field(
    question: Mapping[str, str], answers: Sequence[Mapping[str, str]]
) -> forms.ChoiceField:
    text = "text_en" if get_language() == "en" else "text_es"
    return forms.TypedChoiceField(
        label=question[text],
        choices=BLANK + [(int(a["code"]), a[text]) for a in answers],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ParticipantForm(Form):
    """The details of a person; registration adds the programme, household and documents."""

    given_names = forms.CharField(label=_("Given names"), max_length=120)
    first_surname = forms.CharField(label=_("First surname"), max_length=80)
    second_surname = forms.CharField(label=_("Second surname"), max_length=80, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    gender_identity = forms.ChoiceField(
        label=_("Gender identity (optional)"),
        choices=BLANK + list(GenderIdentity.choices),
        required=False,
        help_text=_("Ask only if the person wants to say. It is stored encrypted."),
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    age = forms.IntegerField(
        label=_("Or approximate age"),
        min_value=0,
        max_value=120,
        required=False,
        help_text=_("If the date of birth is not known."),
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=_country_choices)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    country = forms.ChoiceField(label=_("Country of residence"), choices=Country.choices)
    department = forms.ModelChoiceField(
        label=_("Department or province"), queryset=Division.objects.none()
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality or canton"),
        queryset=Division.objects.none(),
        help_text=_("Choose the department first."),
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=Division.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    population_type = forms.ChoiceField(
        label=_("Population type"), choices=BLANK + list(PopulationType.choices)
    )
    returned_on = forms.DateField(
        label=_("Date of return"),
        required=False,
        widget=DateInput(),
        help_text=_("Required for returnees."),
    )
    returned_from = forms.ChoiceField(
        label=_("Country returned from"), choices=_country_choices, required=False
    )
    return_kind = forms.ChoiceField(
        label=_("Kind of return"), choices=BLANK + list(ReturnKind.choices), required=False
    )
    education_level = forms.ChoiceField(
        label=_("Education"), choices=BLANK + list(EducationLevel.choices), required=False
    )
    occupation = forms.ChoiceField(
        label=_("Occupation (ISCO-08)"), choices=_occupation_choices, required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    address_fields = ("country", "department", "municipality", "district", "address")

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        questions, answers = washington_group_questions(), washington_group_answers()
        self.wg_fields = [f"wg_{question['domain']}" for question in questions]
        for question in questions:
            self.fields[f"wg_{question['domain']}"] = _wg_field(question, answers)
        self._limit_divisions(self.data if self.is_bound else self.initial)

    def _limit_divisions(self, values: Mapping[str, Any]) -> None:
        """Offer the divisions under what is already chosen, so the form works without JS."""
        country = values.get("country") or self.organisation.country
        self.field_as("department", forms.ModelChoiceField).queryset = Division.objects.filter(
            country=country, level=Division.Level.DEPARTMENT
        )
        department = _code(values.get("department"))
        municipality = _code(values.get("municipality"))
        self.field_as("municipality", forms.ModelChoiceField).queryset = Division.objects.filter(
            parent_id=department, level=Division.Level.MUNICIPALITY
        )
        districts = Division.objects.filter(parent_id=municipality, level=Division.Level.DISTRICT)
        self.field_as("district", forms.ModelChoiceField).queryset = districts
        if department:
            self.fields["municipality"].help_text = ""
        if not districts.exists():
            self.fields["district"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("birth_date") and data.get("age") is None:
            self.add_error("birth_date", _("Enter the date of birth, or an approximate age."))
        if data.get("phone"):
            try:
                data["phone"] = validate_phone(data["phone"])
            except ValidationError as error:
                self.add_error("phone", error)
        return data

    def details(self) -> ParticipantDetails:
        """The cleaned values as the registry services take them."""
        data = self.cleaned_data
        today = timezone.localdate()
        estimated = not data["birth_date"]
        answers = {name.removeprefix("wg_"): data[name] for name in self.wg_fields if data[name]}
        return details_from_input(
            data,
            birth_date=(
                birth_date_from_age(age=data["age"], on=today) if estimated else data["birth_date"]
            ),
            birth_date_is_estimated=estimated,
            occupation=Occupation.objects.filter(code=data["occupation"]).first(),
            languages=list(data["languages"]),
            disability_answers=answers or None,
        )


def _code(value: Any) -> str | None:
    if isinstance(value, Division):
        return value.code
    return str(value) if value else None


def initial_from(participant: Any) -> dict[str, Any]:
    """The edit form's starting values, from a stored participant."""
    initial = {
        name: getattr(participant, name)
        for name in (
            "given_names",
            "first_surname",
            "second_surname",
            "sex",
            "gender_identity",
            "birth_date",
            "phone",
            "email",
            "country",
            "address",
            "population_type",
            "returned_on",
            "return_kind",
            "education_level",
            "languages",
        )
    }
    initial.update(
        nationality=str(participant.nationality),
        returned_from=str(participant.returned_from or ""),
        department=participant.department_id,
        municipality=participant.municipality_id,
        district=participant.district_id,
        occupation=participant.occupation_id or "",
    )
    for domain, answer in (participant.disability_answers or {}).items():
        initial[f"wg_{domain}"] = answer
    return initial


class RegistrationForm(ParticipantForm):
    """A new person: its details, the programme it joins, and optionally its household."""

    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    household_size = forms.IntegerField(
        label=_("People in the household"),
        min_value=1,
        max_value=40,
        required=False,
        help_text=_("Fill in if this person heads a household."),
    )
    household_dependants = forms.IntegerField(
        label=_("Of whom dependants"),
        min_value=0,
        max_value=39,
        required=False,
        help_text=_("Children under 18 and adults who depend on the household's income."),
    )

    field_order = ["programme"]

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programme", forms.ModelChoiceField).queryset = programmes
        if programmes.count() == 1 and not self.is_bound:
            self.initial.setdefault("programme", programmes.first())


class DocumentForm(Form):
    kind = forms.ChoiceField(
        label=_("Kind of document"), choices=BLANK + list(IdentityDocument.Kind.choices)
    )
    number = forms.CharField(label=_("Number"), max_length=40)
    issuing_country = forms.ChoiceField(
        label=_("Issuing country"), choices=_country_choices, required=False
    )
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("number"):
            try:
                validate_document_number(data["kind"], data["number"])
            except ValidationError as error:
                self.add_error("number", error)
        return data

    def details(self) -> DocumentDetails:
        data = self.cleaned_data
        return DocumentDetails(
            kind=data["kind"],
            number=data["number"],
            issuing_country=data["issuing_country"],
            expires_on=data["expires_on"],
        )


class BaseDocumentFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        seen: set[tuple[str, str]] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            key = (data.get("kind", ""), str(data.get("number", "")).upper())
            if key[1] and key in seen:
                form.add_error("number", _("This document is listed twice."))
            seen.add(key)


DocumentFormSet = forms.formset_factory(
    DocumentForm, formset=BaseDocumentFormSet, extra=2, max_num=5, validate_max=True
)


class ConsentForm(Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations it covers"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Data may be shared only with the organisations ticked here."),
    )
    method = forms.ChoiceField(label=_("How it was given"), choices=Consent.Method.choices)
    given_on = forms.DateField(label=_("Given on"), widget=DateInput(), initial=timezone.localdate)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("organisations", forms.ModelChoiceField).queryset = organisations


class WithdrawConsentForm(Form):
    withdrawn_on = forms.DateField(
        label=_("Withdrawn on"), widget=DateInput(), initial=timezone.localdate
    )


class EnrolForm(Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programme", forms.ModelChoiceField).queryset = programmes


class HouseholdForm(Form):
    """Head of its own household, or member of another registered person's household."""

    head_reference = forms.CharField(
        label=_("Reference of the head of household"),
        required=False,
        max_length=24,
        help_text=_("Leave empty if this person is the head of the household."),
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the head"),
        choices=BLANK + [c for c in Relationship.choices if c[0] != Relationship.HEAD],
        required=False,
    )
    size = forms.IntegerField(label=_("People in the household"), min_value=1, max_value=40)
    dependants = forms.IntegerField(label=_("Of whom dependants"), min_value=0, max_value=39)


class SearchForm(Form):
    """The free-text search of the participant list (POSTed, never put in the URL)."""

    q = forms.CharField(
        label=_("Search"),
        max_length=120,
        required=False,
        help_text=_("Name, reference, document number or phone."),
    )


class ParticipantFilterForm(Form):
    """Filters of the participant list; none of them is personal, so they go in the URL."""

    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )
    population_type = forms.ChoiceField(
        label=_("Population type"), choices=BLANK + list(PopulationType.choices), required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=BLANK + list(Sex.choices), required=False)

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programme", forms.ModelChoiceField).queryset = programmes
