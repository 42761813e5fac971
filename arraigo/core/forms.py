"""Form plumbing shared by every app: Bootstrap styling and accessible error messages."""

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from arraigo.core.errors import ApplicationError
from arraigo.core.models import AuditEvent


class FormRenderer(TemplatesSetting):
    """Renders ``{{ form.field.as_field_group }}`` with a label, help and errors tied together."""

    field_template_name = "core/forms/field.html"
    form_template_name = "core/forms/form.html"


def _css_class(widget: forms.Widget) -> str:
    # Radio buttons and check-box lists pass their attributes to each option's input.
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class StyledFormMixin:
    """Bootstrap classes on every widget; ``is-invalid`` and ARIA attributes on fields in error."""

    fields: dict[str, forms.Field]
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = _css_class(field.widget)
            if css:
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def field_as[F: forms.Field](self, name: str, kind: type[F]) -> F:
        """The field *name*, as the *kind* of field it is (``fields`` types each as a Field).

        :raises TypeError: if it is another kind of field.
        """
        field = self.fields[name]
        if not isinstance(field, kind):
            raise TypeError(f"{name} is a {type(field).__name__}, not a {kind.__name__}")
        return field

    def add_error(self, field: str | None, error: Any) -> None:
        # The mixin only ever precedes a Django form, which mypy cannot know.
        super().add_error(field, error)  # type: ignore[misc]
        for name, messages in self.errors.items():
            if name in self.fields:
                self._mark_invalid(name, len(messages))

    def _mark_invalid(self, name: str, error_count: int) -> None:
        field = self.fields[name]
        attrs = field.widget.attrs
        if "is-invalid" not in attrs.get("class", ""):
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
        attrs["aria-invalid"] = "true"
        auto_id = self[name].auto_id  # type: ignore[index]  # a form's bound field, as in add_error
        described_by = [f"{auto_id}_error{number}" for number in range(1, error_count + 1)]
        if field.help_text:
            described_by.insert(0, f"{auto_id}_helptext")
        attrs["aria-describedby"] = " ".join(described_by)

    def add_application_error(self, error: ApplicationError | ValidationError) -> None:
        """Show a service's refusal at the field it names, or at the top of the form."""
        if isinstance(error, ApplicationError):
            self.add_error(error.field if error.field in self.fields else None, error.message)
        elif hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


class Form(StyledFormMixin, forms.Form):
    pass


class ModelForm(StyledFormMixin, forms.ModelForm):
    pass


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AuditFilterForm(Form):
    """Filters of the audit log page."""

    action = forms.CharField(label=_("Action contains"), required=False, max_length=80)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *AuditEvent.Kind.choices]
    )
    actor = forms.CharField(label=_("By (e-mail)"), required=False, max_length=254)
    record = forms.CharField(label=_("Record id"), required=False, max_length=64)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data
        if data["action"]:
            events = events.filter(action__icontains=data["action"])
        if data["kind"]:
            events = events.filter(kind=data["kind"])
        if data["actor"]:
            events = events.filter(actor__email__iexact=data["actor"])
        if data["record"]:
            condition = Q(target_id=data["record"])
            record_uuid = _uuid_or_none(data["record"])
            if record_uuid is not None:
                condition |= Q(data_subject_id=record_uuid) | Q(case_id=record_uuid)
            events = events.filter(condition)
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
        return events


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
