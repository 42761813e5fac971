"""Forms of the case pages: validation and cleaning only; the rules live in services."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from arraigo.accounts.models import User
from arraigo.cases.models import (
    NEEDS_BY_DIMENSION,
    Case,
    CaseNote,
    Dimension,
    NeedLevel,
    PlanAction,
    VulnerabilityCriterion,
)
from arraigo.cases.services import MAX_WEIGHT, NOTE_MAX_LENGTH, CriterionDetails, NeedsDetails
from arraigo.core.forms import DateInput, Form
from arraigo.programmes.models import Programme


def _radios() -> forms.RadioSelect:
    # Bootstrap's check layout keeps each box beside its label, also on narrow screens.
    return forms.RadioSelect(attrs={"class": "form-check-input"})


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class StaffChoiceField(forms.ModelChoiceField):
    """A member of staff, shown by name (never by e-mail)."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class CaseOpenForm(Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    intake_channel = forms.ChoiceField(
        label=_("How did the person come?"), choices=Case.IntakeChannel.choices
    )
    intake_summary = forms.CharField(
        label=_("Intake summary"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the person asks for and why. Stored encrypted."),
    )
    assigned_to = StaffChoiceField(
        label=_("Caseworker"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("Someone who works in the chosen programme."),
    )
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())

    def __init__(
        self, *args: Any, programmes: QuerySet[Programme], staff: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programme", forms.ModelChoiceField).queryset = programmes
        self.field_as("assigned_to", forms.ModelChoiceField).queryset = staff


class AssignForm(Form):
    assigned_to = StaffChoiceField(
        label=_("Caseworker"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("assigned_to", forms.ModelChoiceField).queryset = staff


class CloseForm(Form):
    closure_reason = forms.ChoiceField(
        label=_("Why is the case closed?"),
        choices=Case.ClosureReason.choices,
        widget=_radios(),
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DateInput())


class NeedsForm(Form):
    """One field group per dimension: level, needs from the dimension's list, notes."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            Dimension.ECONOMIC: (_("Economic needs"), _("Economic notes")),
            Dimension.SOCIAL: (_("Social needs"), _("Social notes")),
            Dimension.PSYCHOSOCIAL: (_("Psychosocial needs"), _("Psychosocial notes")),
        }
        for dimension, (level_label, notes_label) in labels.items():
            prefix = dimension.lower()
            self.fields[f"{prefix}_level"] = forms.ChoiceField(
                label=level_label, choices=NeedLevel.choices, widget=_radios()
            )
            self.fields[f"{prefix}_needs"] = forms.MultipleChoiceField(
                label=_("What is needed"),
                choices=NEEDS_BY_DIMENSION[dimension].choices,
                required=False,
                widget=_checkboxes(),
            )
            self.fields[f"{prefix}_notes"] = forms.CharField(
                label=notes_label,
                required=False,
                max_length=NOTE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=(
                    _("Sensitive: stored encrypted, and every reading is recorded.")
                    if dimension == Dimension.PSYCHOSOCIAL
                    else ""
                ),
            )

    def dimensions(self) -> list[tuple[str, list[Any]]]:
        """(label, [bound fields]) per dimension, for the template's fieldsets."""
        return [
            (str(label), [self[f"{value.lower()}_{part}"] for part in ("level", "needs", "notes")])
            for value, label in Dimension.choices
        ]

    def details(self) -> NeedsDetails:
        return NeedsDetails(**self.cleaned_data)


class ScreeningForm(Form):
    """One yes/no box per criterion in use; the score is computed by the service."""

    screened_on = forms.DateField(label=_("Screened on"), widget=DateInput())

    def __init__(self, *args: Any, criteria: list[VulnerabilityCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"c_{criterion.code}"] = forms.BooleanField(
                label=criterion.label, required=False
            )

    def criterion_fields(self) -> list[Any]:
        return [self[f"c_{criterion.code}"] for criterion in self.criteria]

    def answers(self) -> dict[str, bool]:
        return {c.code: bool(self.cleaned_data.get(f"c_{c.code}")) for c in self.criteria}


class GoalForm(Form):
    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices)
    description = forms.CharField(
        label=_("Goal"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the person wants to achieve. Clinical details go in a restricted note."),
    )


class ActionForm(Form):
    description = forms.CharField(label=_("Action"), max_length=500)
    responsible = StaffChoiceField(label=_("Responsible"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("responsible", forms.ModelChoiceField).queryset = staff


class ActionStatusForm(Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices)


class NoteForm(Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sensitivity = forms.ChoiceField(
        label=_("Who may read it"),
        choices=CaseNote.Sensitivity.choices,
        initial=CaseNote.Sensitivity.STANDARD,
        widget=_radios(),
    )

    def __init__(self, *args: Any, may_restrict: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_restrict:
            # Staff who cannot write restricted notes are not offered the choice.
            del self.fields["sensitivity"]

    def chosen_sensitivity(self) -> str:
        return self.cleaned_data.get("sensitivity") or CaseNote.Sensitivity.STANDARD


class CaseFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Case.Status.choices]
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("All my programmes"),
    )
    assigned = forms.ChoiceField(label=_("Caseworker"), required=False)
    overdue = forms.BooleanField(label=_("Only with overdue actions"), required=False)

    def __init__(
        self, *args: Any, programmes: QuerySet[Programme], staff: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programme", forms.ModelChoiceField).queryset = programmes
        self.field_as("assigned", forms.ChoiceField).choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody yet")),
            *((str(user.pk), user.get_full_name() or user.email) for user in staff),
        ]


class SearchForm(Form):
    q = forms.CharField(
        label=_("Find a case by the person's name or reference"),
        max_length=120,
        required=False,
        help_text=_("E.g. “María Hernández” or SV-2026-000123."),
    )


class CriterionForm(Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Za-z][A-Za-z0-9_]{1,39}$",
        max_length=40,
        help_text=_("Capital letters, digits and _; cannot be changed later."),
        error_messages={"invalid": _("Use letters, digits and _ only, starting with a letter.")},
    )
    label_es = forms.CharField(label=_("Question (Spanish)"), max_length=200)
    label_en = forms.CharField(label=_("Question (English)"), max_length=200)
    weight = forms.IntegerField(label=_("Weight"), min_value=0, max_value=MAX_WEIGHT)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.initial.get("code"):
            # Past screenings store answers by code: an existing code stays as it is.
            self.fields["code"].disabled = True
            # Rows are matched to criteria by position; the code sent back proves the match.
            self.fields["key"] = forms.CharField(widget=forms.HiddenInput, required=False)
            self.initial.setdefault("key", self.initial["code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "key" in self.fields and data.get("key") != self.initial.get("code"):
            raise forms.ValidationError(
                _("The criteria were changed by someone else meanwhile. Reload the page.")
            )
        return data

    def is_blank(self) -> bool:
        """Whether nothing was typed (the row for a new criterion is then ignored)."""
        return not any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("code", "label_es", "label_en", "weight")
        )

    def details(self) -> CriterionDetails:
        data = self.cleaned_data
        return CriterionDetails(
            code=data["code"].upper(),
            label_es=data["label_es"],
            label_en=data["label_en"],
            weight=data["weight"],
            order=data["order"] or 0,
            is_active=data["is_active"],
        )


class BaseCriterionFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        codes: set[str] = set()
        for form in self.forms:
            code = (form.cleaned_data or {}).get("code", "").upper()
            if code and code in codes:
                form.add_error("code", _("This code is already used above."))
            codes.add(code)


CriterionFormSet = formset_factory(CriterionForm, formset=BaseCriterionFormSet, extra=0)


class ThresholdsForm(Form):
    medium_from = forms.IntegerField(
        label=_("Medium vulnerability from a score of"), min_value=1, max_value=32767
    )
    high_from = forms.IntegerField(
        label=_("High vulnerability from a score of"), min_value=2, max_value=32767
    )
