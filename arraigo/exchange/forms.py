"""Forms of imports: validation and cleaning only."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from arraigo.core.forms import Form
from arraigo.exchange.models import ImportRow
from arraigo.exchange.reading import ACCEPT
from arraigo.programmes.models import Programme

BLANK = [("", "—")]


class UploadForm(Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        help_text=_("Everyone in the file is registered in, or enrolled in, this programme."),
    )
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("The first row holds the column names; at most 10,000 rows."),
    )
    again = forms.BooleanField(
        label=_("Check this file again anyway"),
        required=False,
        widget=forms.HiddenInput(),
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("programme", forms.ModelChoiceField).queryset = programmes
        if programmes.count() == 1 and not self.is_bound:
            self.initial.setdefault("programme", programmes.first())

    def offer_again(self) -> None:
        """After the file was recognised: let the user say it is meant."""
        self.fields["again"].widget = forms.CheckboxInput(attrs={"class": "form-check-input"})


class RowAnswerForm(Form):
    """The answer to a row's possible duplicates, as its buttons send it: ``same:<id>``,
    ``new`` or ``skip``."""

    decision = forms.CharField(max_length=60)

    def answer(self) -> tuple[str, Any]:
        value = self.cleaned_data["decision"]
        if value.startswith("same:"):
            return ImportRow.Answer.SAME_PERSON, value.removeprefix("same:")
        return {"new": ImportRow.Answer.NEW_PERSON, "skip": ImportRow.Answer.SKIP}.get(
            value, ""
        ), None


class RowFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Show"),
        choices=[("", _("All rows")), *ImportRow.Status.choices],
        required=False,
    )
