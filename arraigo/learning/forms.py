"""Forms of the course pages: validation and cleaning only; the rules live in services."""

import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arraigo.accounts.models import User
from arraigo.core.errors import ApplicationError
from arraigo.core.forms import DateInput, Form
from arraigo.learning.models import (
    DEFAULT_MIN_ATTENDANCE,
    DEFAULT_PASS_MARK,
    Course,
    QuizQuestion,
)
from arraigo.learning.services import (
    MAX_CHOICES,
    CourseDetails,
    ModuleDetails,
    QuestionDetails,
    SessionDetails,
)
from arraigo.people.models import Participant
from arraigo.programmes.models import Programme


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


def _percent(label: Any, *, required: bool, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, min_value=1, max_value=100, help_text=help_text
    )


class StaffChoiceField(forms.ModelChoiceField):
    """A member of staff, shown by name (never by e-mail)."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class ParticipantChoiceField(forms.ModelMultipleChoiceField):
    """People to enrol, each a check box with the name and the reference."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} · {obj.reference}"


class CourseForm(Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("Short and unique in the programme, e.g. EMP-1."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of course"), choices=Course.Kind.choices)
    delivery = forms.ChoiceField(label=_("Delivery"), choices=Course.Delivery.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    min_attendance_percent = _percent(
        _("Minimum attendance (%)"),
        required=False,
        help_text=_(
            "Of the sessions held (cancelled and future ones do not count). Leave it empty if "
            "attendance does not count, e.g. for a virtual course."
        ),
    )
    requires_modules = forms.BooleanField(
        label=_("Every module must be passed (each quiz at its pass mark)"), required=False
    )
    is_active = forms.BooleanField(
        label=_("Active: people can be enrolled"), required=False, initial=True
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme] | None, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"min_attendance_percent": DEFAULT_MIN_ATTENDANCE, "is_active": True}
        )
        super().__init__(*args, **kwargs)
        if programmes is None:  # changing a course: its programme stays
            del self.fields["programme"]
        else:
            self.field_as("programme", forms.ModelChoiceField).queryset = programmes

    def details(self) -> CourseDetails:
        data = self.cleaned_data
        return CourseDetails(
            code=data["code"],
            title=data["title"],
            kind=data["kind"],
            delivery=data["delivery"],
            description=data["description"],
            min_attendance_percent=data["min_attendance_percent"],
            requires_modules=data["requires_modules"],
            is_active=data["is_active"],
        )


def course_initial(course: Course) -> dict[str, Any]:
    return {
        "code": course.code,
        "title": course.title,
        "kind": course.kind,
        "delivery": course.delivery,
        "description": course.description,
        "min_attendance_percent": course.min_attendance_percent,
        "requires_modules": course.requires_modules,
        "is_active": course.is_active,
    }


class SessionForm(Form):
    day = forms.DateField(label=_("Date"), widget=DateInput())
    starts = forms.TimeField(label=_("Starts"), widget=TimeInput())
    ends = forms.TimeField(label=_("Ends"), required=False, widget=TimeInput())
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    facilitator = StaffChoiceField(
        label=_("Facilitator (staff)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Someone else, or not decided"),
    )
    facilitator_name = forms.CharField(
        label=_("Facilitator (someone else)"),
        max_length=150,
        required=False,
        help_text=_("A facilitator without an account, e.g. from a partner institute."),
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("facilitator", forms.ModelChoiceField).queryset = staff

    def add_application_error(self, error: ApplicationError | ValidationError) -> None:
        # The service names the session's fields; the form asks for a day and two times.
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            renamed = {"starts_at": "starts", "ends_at": "ends"}
            error = ValidationError(
                {renamed.get(name, name): errors for name, errors in error.error_dict.items()}
            )
        super().add_application_error(error)

    def details(self) -> SessionDetails:
        data = self.cleaned_data
        day: datetime.date = data["day"]
        starts_at = timezone.make_aware(datetime.datetime.combine(day, data["starts"]))
        ends_at = (
            timezone.make_aware(datetime.datetime.combine(day, data["ends"]))
            if data["ends"]
            else None
        )
        return SessionDetails(
            starts_at=starts_at,
            ends_at=ends_at,
            place=data["place"],
            facilitator=data["facilitator"],
            facilitator_name=data["facilitator_name"],
            topic=data["topic"],
        )


def session_initial(session: Any) -> dict[str, Any]:
    starts = timezone.localtime(session.starts_at)
    return {
        "day": starts.date(),
        "starts": starts.time(),
        "ends": timezone.localtime(session.ends_at).time() if session.ends_at else None,
        "place": session.place,
        "topic": session.topic,
        "facilitator": session.facilitator_id,
        "facilitator_name": session.facilitator_name,
    }


class SearchForm(Form):
    q = forms.CharField(
        label=_("Find people of the programme by name or reference"),
        max_length=120,
        required=False,
        help_text=_("E.g. “María Hernández” or SV-2026-000123."),
    )


class EnrolForm(Form):
    participants = ParticipantChoiceField(
        label=_("People to enrol"),
        queryset=Participant.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    enrolled_on = forms.DateField(label=_("Enrolled on"), widget=DateInput())

    def __init__(self, *args: Any, candidates: QuerySet[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_as("participants", forms.ModelMultipleChoiceField).queryset = candidates


class WithdrawForm(Form):
    withdrawn_on = forms.DateField(label=_("Withdrew on"), widget=DateInput())


class ModuleForm(Form):
    order = forms.IntegerField(label=_("Position"), min_value=1, max_value=999)
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(
        label=_("Content"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Plain text. Blank lines separate paragraphs; “# ” starts a heading, “- ” a list "
            "item; **bold**, *italics* and [text](https://…) links are understood."
        ),
    )
    pass_mark = _percent(
        _("Pass mark (%)"),
        required=True,
        help_text=_("Share of the quiz answered right to pass the module."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pass_mark"].initial = DEFAULT_PASS_MARK

    def details(self) -> ModuleDetails:
        data = self.cleaned_data
        return ModuleDetails(
            order=data["order"],
            title=data["title"],
            content=data["content"],
            pass_mark=data["pass_mark"],
        )


class QuestionForm(Form):
    order = forms.IntegerField(label=_("Position"), min_value=1, max_value=999)
    text = forms.CharField(label=_("Question"), max_length=500)
    choices = forms.CharField(
        label=_("Answers to choose from"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line, between 2 and 6."),
    )
    correct_choice = forms.IntegerField(
        label=_("Number of the right answer"),
        min_value=1,
        max_value=MAX_CHOICES,
        help_text=_("1 for the first line, 2 for the second…"),
    )

    def details(self) -> QuestionDetails:
        data = self.cleaned_data
        return QuestionDetails(
            order=data["order"],
            text=data["text"],
            choices=[line for line in data["choices"].splitlines() if line.strip()],
            correct_choice=data["correct_choice"] - 1,
        )


def question_initial(question: QuizQuestion) -> dict[str, Any]:
    return {
        "order": question.order,
        "text": question.text,
        "choices": "\n".join(question.choices),
        "correct_choice": question.correct_choice + 1,
    }


class ProgressForm(Form):
    completed_on = forms.DateField(
        label=_("Completed on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty if the person has not completed the module."),
    )
    quiz_score = forms.IntegerField(
        label=_("Quiz score (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("If the person answered the quiz, e.g. on paper."),
    )


class LinkForm(Form):
    expires_on = forms.DateField(label=_("Valid until"), widget=DateInput())


class QuizForm(Form):
    """One set of radio buttons per question; the right answers never reach the page."""

    def __init__(self, *args: Any, questions: list[QuizQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[str(question.pk)] = forms.TypedChoiceField(
                label=question.text,
                choices=[(str(index), text) for index, text in enumerate(question.choices)],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": _("Choose an answer.")},
            )

    def answers(self) -> dict[UUID, int]:
        return {question.pk: self.cleaned_data[str(question.pk)] for question in self.questions}
