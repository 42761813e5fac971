"""Forms of duplicate detection: validation and cleaning only."""

from typing import Any
from uuid import UUID

from django import forms
from django.core import signing
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from arraigo.core.forms import Form
from arraigo.dedup.merging import FIELD_GROUPS, MERGED, SURVIVOR
from arraigo.dedup.models import CandidatePair
from arraigo.people.models import Participant
from arraigo.programmes.models import Programme

_SHOWN_SALT = "arraigo.dedup.shown"
NEW_PERSON = "new"
SAME_PERSON = "same:"


def sign_shown(participant_ids: list[UUID] | list[str]) -> str:
    """The possible duplicates a page showed, signed, so that the answer can say what was seen."""
    return signing.dumps(sorted(str(pk) for pk in participant_ids), salt=_SHOWN_SALT)


class DuplicateDecisionForm(Form):
    """What staff answered to the possible duplicates shown at registration.

    ``duplicate_decision`` is ``new`` (a new person) or ``same:<participant id>``;
    ``duplicates_shown`` the signed list of the people shown, so that a decision applies only
    to what was seen.
    """

    duplicate_decision = forms.CharField(required=False, max_length=60)
    duplicates_shown = forms.CharField(required=False, max_length=4000)

    def shown(self) -> set[str]:
        """The participants the page showed; none if the list is missing or was tampered with."""
        if not self.is_valid() or not self.cleaned_data["duplicates_shown"]:
            return set()
        try:
            shown = signing.loads(self.cleaned_data["duplicates_shown"], salt=_SHOWN_SALT)
        except signing.BadSignature:
            return set()
        return {str(pk) for pk in shown} if isinstance(shown, list) else set()

    def is_new_person(self) -> bool:
        return self.is_valid() and self.cleaned_data["duplicate_decision"] == NEW_PERSON

    def same_person(self) -> UUID | None:
        """The person chosen as the one being registered, if that was the answer."""
        if not self.is_valid():
            return None
        decision = self.cleaned_data["duplicate_decision"]
        if not decision.startswith(SAME_PERSON):
            return None
        try:
            return UUID(decision.removeprefix(SAME_PERSON))
        except ValueError:
            return None


class QueueFilterForm(Form):
    """Filters of the review queue; none of them is personal, so they go in the URL."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=CandidatePair.Status.choices,
        required=False,
        initial=CandidatePair.Status.OPEN,
    )
    found_by = forms.ChoiceField(
        label=_("Found by"),
        choices=[("", _("Any")), *CandidatePair.FoundBy.choices],
        required=False,
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        help_text=_("Pairs with at least one person enrolled in it."),
    )
    likely = forms.TypedChoiceField(
        label=_("Probability"),
        choices=[("", _("Any")), ("90", _("90% or more")), ("70", _("70% or more"))],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programme", forms.ModelChoiceField).queryset = programmes


class PassForm(Form):
    """Where a batch pass looks: one programme, or the whole organisation (ADMIN only)."""

    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("The whole organisation"),
    )

    def __init__(
        self, *args: Any, programmes: QuerySet[Programme], whole_organisation: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.field_as("programme", forms.ModelChoiceField)
        field.queryset = programmes
        if not whole_organisation:
            field.required = True
            field.empty_label = "—"


class ReasonForm(Form):
    reason = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AgreementEndForm(Form):
    reason = forms.CharField(
        label=_("Why it ends"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other organisation reads this on its list of agreements."),
    )


class MergeForm(ReasonForm):
    """Which record is kept, and for each group of fields whose values differ, whose value."""

    survivor = forms.ChoiceField(
        label=_("Record kept (its reference stays)"), widget=forms.RadioSelect
    )

    def __init__(
        self,
        *args: Any,
        a: Participant,
        b: Participant,
        values: dict[str, tuple[str, str]],
        defaults: dict[str, str],
        **kwargs: Any,
    ) -> None:
        """*values* are each group's values of *a* and *b*, as shown; *defaults* the side
        (``a`` or ``b``) chosen at first."""
        super().__init__(*args, **kwargs)
        self.a, self.b = a, b
        self.field_as("survivor", forms.ChoiceField).choices = [
            ("a", a.reference),
            ("b", b.reference),
        ]
        self.initial.setdefault("survivor", "a" if a.registered_on <= b.registered_on else "b")
        self.groups = [
            group for group in FIELD_GROUPS if values[group.key][0] != values[group.key][1]
        ]
        for group in self.groups:
            value_a, value_b = values[group.key]
            self.fields[group.key] = forms.ChoiceField(
                label=str(group.label),
                choices=[("a", value_a or "—"), ("b", value_b or "—")],
                widget=forms.RadioSelect,
            )
            self.initial.setdefault(group.key, defaults[group.key])

    def records(self) -> tuple[Participant, Participant]:
        """(survivor, merged) as chosen."""
        if self.cleaned_data["survivor"] == "a":
            return self.a, self.b
        return self.b, self.a

    def choices(self) -> dict[str, str]:
        """Each group as the merge service takes it: from the survivor or the merged record."""
        kept = self.cleaned_data["survivor"]
        return {
            group.key: SURVIVOR if self.cleaned_data[group.key] == kept else MERGED
            for group in self.groups
        }
