"""Forms of the committee: assigning evaluators, the declaration, scores and the decision."""

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from arraigo.accounts.models import User
from arraigo.core.forms import Form
from arraigo.livelihoods.models import BusinessPlan, RubricCriterion
from arraigo.livelihoods.services import COMMENT_MAX_LENGTH, Decision


class EvaluatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class AssignForm(Form):
    evaluator = EvaluatorChoiceField(label=_("Evaluator"), queryset=User.objects.none())

    def __init__(self, *args: Any, evaluators: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("evaluator", forms.ModelChoiceField).queryset = evaluators


class ConflictForm(Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this plan or its applicant?"),
        choices=[
            ("no", _("No: I do not know the applicant or have any interest in the business")),
            ("yes", _("Yes: I stand aside and do not score this plan")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class ScoreForm(Form):
    """One score per rubric criterion, from 0 to the call's scale, and a comment."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, criteria: list[RubricCriterion], scale_max: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scores = {}
        for criterion in criteria:
            scores[f"score_{criterion.code}"] = forms.IntegerField(
                label=_("%(criterion)s (weight %(weight)s)")
                % {"criterion": criterion.label, "weight": criterion.weight},
                min_value=0,
                max_value=scale_max,
                help_text=_("From 0 to %(max)s.") % {"max": scale_max},
                error_messages={
                    "min_value": _("Scores go from 0 to %(max)s.") % {"max": scale_max},
                    "max_value": _("Scores go from 0 to %(max)s.") % {"max": scale_max},
                },
            )
        self.fields = {**scores, **self.fields}

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{criterion.code}"] for criterion in self.criteria]

    def scores(self) -> dict[Any, int]:
        return {c.pk: self.cleaned_data[f"score_{c.code}"] for c in self.criteria}


class DecisionForm(Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (value, label)
            for value, label in BusinessPlan.Status.choices
            if value in BusinessPlan.DECIDED_STATUSES
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    changes_required = forms.CharField(
        label=_("Changes required"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("When approved with changes."),
    )
    approved_amount = forms.DecimalField(
        label=_("Approved amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Empty: the grant requested."),
    )

    def decision(self) -> Decision:
        data = self.cleaned_data
        return Decision(
            outcome=data["outcome"],
            reason=data["reason"],
            changes_required=data["changes_required"],
            approved_amount=data["approved_amount"],
        )
