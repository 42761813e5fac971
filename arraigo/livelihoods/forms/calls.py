"""Forms that configure a call: details, eligibility rules, criteria, quotas, rubric, follow-up."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from arraigo.cases.models import VulnerabilityLevel
from arraigo.core.errors import ApplicationError
from arraigo.core.forms import DateInput, Form
from arraigo.core.models import AdministrativeDivision
from arraigo.learning.models import Course
from arraigo.livelihoods.models import Call, EligibilityRule, PriorityCriterion, Quota
from arraigo.livelihoods.rules import (
    DEFAULT_DEPENDANTS_FOR_FULL_POINTS,
    DEFAULT_MOTIVATION_MAX,
    DEFAULT_RETURN_WITHIN_MONTHS,
    MAX_AGE,
)
from arraigo.livelihoods.services import (
    CallDetails,
    CriterionInput,
    QuotaInput,
    RubricRow,
    RuleInput,
)
from arraigo.people.models import PopulationType
from arraigo.programmes.models import Programme


def checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class CourseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.title}"


class CallForm(Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    code = forms.CharField(
        label=_("Code"), max_length=30, help_text=_("E.g. CS-2026-1. Capital letters and digits.")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_on = forms.DateField(label=_("Applications open on"), widget=DateInput())
    closes_on = forms.DateField(label=_("Applications close on"), widget=DateInput())
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=32767)
    waiting_list_size = forms.IntegerField(
        label=_("Places on the waiting list"),
        min_value=0,
        max_value=32767,
        initial=0,
        help_text=_("0: every eligible person not selected waits, in ranking order."),
    )
    budget = forms.DecimalField(
        label=_("Budget"), max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    max_grant = forms.DecimalField(
        label=_("Maximum grant per person"), max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    required_courses = CourseChoiceField(
        label=_("Required courses"),
        queryset=Course.objects.none(),
        required=False,
        widget=checkboxes(),
    )
    courses_before_plan = forms.BooleanField(
        label=_("The required courses must be completed before presenting the business plan"),
        required=False,
        initial=True,
    )

    def __init__(
        self,
        *args: Any,
        programmes: QuerySet[Programme] | None,
        courses: QuerySet[Course],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if programmes is None:
            del self.fields["programme"]
        else:
            self.field_as("programme", forms.ModelChoiceField).queryset = programmes
        self.field_as("required_courses", forms.ModelMultipleChoiceField).queryset = courses

    def details(self) -> CallDetails:
        data = self.cleaned_data
        return CallDetails(
            code=data["code"],
            title=data["title"],
            description=data["description"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            places=data["places"],
            waiting_list_size=data["waiting_list_size"] or 0,
            budget=data["budget"],
            max_grant=data["max_grant"],
            currency=data["currency"],
            required_courses=list(data["required_courses"]),
            courses_before_plan=data["courses_before_plan"],
        )


def call_initial(call: Call) -> dict[str, Any]:
    return {
        "code": call.code,
        "title": call.title,
        "description": call.description,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "places": call.places,
        "waiting_list_size": call.waiting_list_size,
        "budget": call.budget,
        "max_grant": call.max_grant,
        "currency": call.currency,
        "required_courses": list(call.required_courses.values_list("pk", flat=True)),
        "courses_before_plan": call.courses_before_plan,
    }


class DivisionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if obj.level == AdministrativeDivision.Level.DEPARTMENT:
            return f"{obj.name} ({_('whole department')})"
        return f"{obj.name} · {obj.parent.name}" if obj.parent_id else obj.name


Kind = EligibilityRule.Kind


class RulesForm(Form):
    """One section per kind of rule: a box to use it, and its parameters."""

    use_POPULATION_TYPE = forms.BooleanField(label=_("Use this rule"), required=False)
    population_types = forms.MultipleChoiceField(
        label=_("Population types accepted"),
        choices=PopulationType.choices,
        required=False,
        widget=checkboxes(),
    )
    use_AGE_RANGE = forms.BooleanField(label=_("Use this rule"), required=False)
    age_min = forms.IntegerField(
        label=_("From age"), min_value=0, max_value=MAX_AGE, required=False
    )
    age_max = forms.IntegerField(label=_("To age"), min_value=0, max_value=MAX_AGE, required=False)
    age_on = forms.DateField(
        label=_("Age on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the day the call opens."),
    )
    use_PLACE = forms.BooleanField(label=_("Use this rule"), required=False)
    divisions = DivisionChoiceField(
        label=_("Departments and municipalities accepted"),
        queryset=AdministrativeDivision.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    use_NO_EARLIER_GRANT = forms.BooleanField(
        label=_("Refuse people who already received seed capital from the organisation"),
        required=False,
    )
    use_COURSES_COMPLETED = forms.BooleanField(
        label=_("The required courses must be completed before applying"), required=False
    )
    use_VULNERABILITY_LEVEL = forms.BooleanField(label=_("Use this rule"), required=False)
    min_level = forms.ChoiceField(
        label=_("Lowest vulnerability level accepted"),
        choices=VulnerabilityLevel.choices,
        required=False,
    )

    SECTIONS = (
        (Kind.POPULATION_TYPE, ("use_POPULATION_TYPE", "population_types")),
        (Kind.AGE_RANGE, ("use_AGE_RANGE", "age_min", "age_max", "age_on")),
        (Kind.PLACE, ("use_PLACE", "divisions")),
        (Kind.NO_EARLIER_GRANT, ("use_NO_EARLIER_GRANT",)),
        (Kind.COURSES_COMPLETED, ("use_COURSES_COMPLETED",)),
        (Kind.VULNERABILITY_LEVEL, ("use_VULNERABILITY_LEVEL", "min_level")),
    )

    def __init__(self, *args: Any, country: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("divisions", forms.ModelMultipleChoiceField).queryset = (
            AdministrativeDivision.objects.filter(
                country=country,
                level__in=[
                    AdministrativeDivision.Level.DEPARTMENT,
                    AdministrativeDivision.Level.MUNICIPALITY,
                ],
            )
            .select_related("parent")
            .order_by("name", "code")
        )

    def sections(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (kind.value, str(kind.label), [self[name] for name in names])
            for kind, names in self.SECTIONS
        ]

    def add_application_error(self, error: ApplicationError | ValidationError) -> None:
        # A refused rule is shown in its own section.
        if isinstance(error, ApplicationError) and f"use_{error.field}" in self.fields:
            self.add_error(f"use_{error.field}", error.message)
            return
        super().add_application_error(error)

    def rows(self) -> list[RuleInput]:
        data = self.cleaned_data
        rows = []
        if data["use_POPULATION_TYPE"]:
            rows.append(RuleInput(Kind.POPULATION_TYPE, {"allowed": data["population_types"]}))
        if data["use_AGE_RANGE"]:
            rows.append(
                RuleInput(
                    Kind.AGE_RANGE,
                    {
                        "min": data["age_min"] if data["age_min"] is not None else 0,
                        "max": data["age_max"] if data["age_max"] is not None else MAX_AGE,
                        "on": data["age_on"].isoformat() if data["age_on"] else None,
                    },
                )
            )
        if data["use_PLACE"]:
            rows.append(RuleInput(Kind.PLACE, {"divisions": [d.code for d in data["divisions"]]}))
        if data["use_NO_EARLIER_GRANT"]:
            rows.append(RuleInput(Kind.NO_EARLIER_GRANT))
        if data["use_COURSES_COMPLETED"]:
            rows.append(RuleInput(Kind.COURSES_COMPLETED))
        if data["use_VULNERABILITY_LEVEL"]:
            rows.append(RuleInput(Kind.VULNERABILITY_LEVEL, {"min_level": data["min_level"]}))
        return rows


def rules_initial(call: Call) -> dict[str, Any]:
    initial: dict[str, Any] = {"age_min": 18, "age_max": MAX_AGE}
    for rule in call.eligibility_rules.all():
        initial[f"use_{rule.kind}"] = True
        params = rule.params
        if rule.kind == Kind.POPULATION_TYPE:
            initial["population_types"] = params.get("allowed", [])
        elif rule.kind == Kind.AGE_RANGE:
            initial.update(age_min=params.get("min"), age_max=params.get("max"))
            initial["age_on"] = params.get("on")
        elif rule.kind == Kind.PLACE:
            initial["divisions"] = params.get("divisions", [])
        elif rule.kind == Kind.VULNERABILITY_LEVEL:
            initial["min_level"] = params.get("min_level")
    return initial


Criterion = PriorityCriterion.Kind


class CriteriaForm(Form):
    """A weight per criterion (0: not used) and the few parameters some criteria have."""

    dependants_full_at = forms.IntegerField(
        label=_("Full points from this many dependants"),
        min_value=1,
        max_value=20,
        initial=DEFAULT_DEPENDANTS_FOR_FULL_POINTS,
    )
    return_within_months = forms.IntegerField(
        label=_("Points if returned within this many months"),
        min_value=1,
        max_value=240,
        initial=DEFAULT_RETURN_WITHIN_MONTHS,
    )
    motivation_max = forms.IntegerField(
        label=_("The interview is scored from 0 to"),
        min_value=1,
        max_value=100,
        initial=DEFAULT_MOTIVATION_MAX,
    )

    PARAMS = {
        Criterion.DEPENDANTS: ("dependants_full_at", "full_at"),
        Criterion.TIME_SINCE_RETURN: ("return_within_months", "within_months"),
        Criterion.MOTIVATION_INTERVIEW: ("motivation_max", "max"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Criterion.choices:
            self.fields[f"weight_{kind}"] = forms.IntegerField(
                label=_("Weight: %(criterion)s") % {"criterion": label},
                min_value=0,
                max_value=100,
                initial=0,
                help_text=_("0: not used."),
            )

    def sections(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        result = []
        for kind, label in Criterion.choices:
            names = [f"weight_{kind}"]
            if kind in self.PARAMS:
                names.append(self.PARAMS[Criterion(kind)][0])
            result.append((kind, str(label), [self[name] for name in names]))
        return result

    def add_application_error(self, error: ApplicationError | ValidationError) -> None:
        # A refused criterion is shown at its weight.
        if isinstance(error, ApplicationError) and f"weight_{error.field}" in self.fields:
            self.add_error(f"weight_{error.field}", error.message)
            return
        super().add_application_error(error)

    def rows(self) -> list[CriterionInput]:
        data = self.cleaned_data
        rows = []
        for kind in Criterion.values:
            params = {}
            if kind in self.PARAMS:
                field_name, key = self.PARAMS[Criterion(kind)]
                params[key] = data[field_name]
            rows.append(CriterionInput(kind, data[f"weight_{kind}"] or 0, params))
        return rows


def criteria_initial(call: Call) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for criterion in call.priority_criteria.all():
        initial[f"weight_{criterion.kind}"] = criterion.weight
        if criterion.kind in CriteriaForm.PARAMS:
            field_name, key = CriteriaForm.PARAMS[Criterion(criterion.kind)]
            if key in criterion.params:
                initial[field_name] = criterion.params[key]
    return initial


class QuotasForm(Form):
    women = forms.IntegerField(
        label=_("Women: at least (% of the places)"), min_value=0, max_value=100, initial=0
    )
    disability = forms.IntegerField(
        label=_("People with disability: at least (% of the places)"),
        min_value=0,
        max_value=100,
        initial=0,
    )
    population_type = forms.ChoiceField(
        label=_("Population type"),
        choices=[("", "—"), *PopulationType.choices],
        required=False,
    )
    population_percent = forms.IntegerField(
        label=_("That population type: at least (% of the places)"),
        min_value=0,
        max_value=100,
        initial=0,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("population_percent") and not data.get("population_type"):
            self.add_error("population_type", _("Choose the population type of the quota."))
        return data

    def rows(self) -> list[QuotaInput]:
        data = self.cleaned_data
        rows = []
        if data["women"]:
            rows.append(QuotaInput(Quota.Kind.WOMEN, data["women"]))
        if data["disability"]:
            rows.append(QuotaInput(Quota.Kind.DISABILITY, data["disability"]))
        if data["population_percent"]:
            rows.append(
                QuotaInput(
                    Quota.Kind.POPULATION_TYPE, data["population_percent"], data["population_type"]
                )
            )
        return rows


def quotas_initial(call: Call) -> dict[str, Any]:
    initial: dict[str, Any] = {"women": 0, "disability": 0, "population_percent": 0}
    for quota in call.quotas.all():
        if quota.kind == Quota.Kind.WOMEN:
            initial["women"] = quota.min_percent
        elif quota.kind == Quota.Kind.DISABILITY:
            initial["disability"] = quota.min_percent
        else:
            initial["population_type"] = quota.value
            initial["population_percent"] = quota.min_percent
    return initial


class RubricRowForm(Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Za-z][A-Za-z0-9_]{1,39}$",
        max_length=40,
        error_messages={"invalid": _("Use letters, digits and _ only, starting with a letter.")},
    )
    label_es = forms.CharField(label=_("Criterion (Spanish)"), max_length=200)
    label_en = forms.CharField(label=_("Criterion (English)"), max_length=200)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    remove = forms.BooleanField(label=_("Remove"), required=False)

    def is_blank(self) -> bool:
        return not any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("code", "label_es", "label_en", "weight")
        )

    def row(self) -> RubricRow:
        data = self.cleaned_data
        return RubricRow(
            code=data["code"].upper(),
            label_es=data["label_es"],
            label_en=data["label_en"],
            weight=data["weight"],
            order=data["order"] or 0,
        )


class BaseRubricFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The blank row for a new criterion may stay empty.
        for form in self.forms:
            form.empty_permitted = not form.initial
            form.use_required_attribute = False

    def rows(self) -> list[RubricRow]:
        return [
            form.row()
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("remove")
        ]


# formset_factory is typed as returning a plain BaseFormSet; this one has ``rows()``.
RubricFormSet = cast(
    type[BaseRubricFormSet],
    formset_factory(RubricRowForm, formset=BaseRubricFormSet, extra=1),
)


class RubricSettingsForm(Form):
    scale_max = forms.IntegerField(
        label=_("Each criterion is scored from 0 to"), min_value=1, max_value=100
    )
    pass_mark = forms.DecimalField(
        label=_("Pass mark (out of 100)"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
    )
    evaluations_required = forms.IntegerField(
        label=_("Evaluations needed per plan"), min_value=3, max_value=20
    )


class FollowUpSettingsForm(Form):
    visit_months = forms.CharField(
        label=_("Visits, in months after the first delivery"),
        max_length=100,
        help_text=_("Separated by commas, e.g. 3, 6, 12."),
    )
    needs_recent_sale = forms.BooleanField(
        label=_("Operating: sold something in the last month"), required=False
    )
    needs_profit = forms.BooleanField(
        label=_("Operating: monthly sales above monthly costs"), required=False
    )
    min_monthly_sales = forms.DecimalField(
        label=_("Operating: monthly sales of at least"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )

    def clean_visit_months(self) -> list[int]:
        raw = self.cleaned_data["visit_months"]
        try:
            return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError as error:
            raise forms.ValidationError(
                _("Write whole numbers of months separated by commas, e.g. 3, 6, 12.")
            ) from error
