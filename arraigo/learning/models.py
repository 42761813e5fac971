"""Courses: sessions taken in a room, modules taken at a distance, and who completed them.

Completion is never stored: it is computed from attendance and module progress by
``selectors.completion`` against the rule each course keeps as data.
"""

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.models import BaseModel

DEFAULT_MIN_ATTENDANCE = 80
DEFAULT_PASS_MARK = 70


class Course(BaseModel):
    """A course of a programme: entrepreneurship, financial literacy, business plan, a trade.

    The completion rule is data: a minimum share of the held sessions attended, every module
    passed, or both.
    """

    class Kind(models.TextChoices):
        ENTREPRENEURSHIP = "ENTREPRENEURSHIP", _("Entrepreneurship")
        FINANCIAL_LITERACY = "FINANCIAL_LITERACY", _("Financial literacy")
        BUSINESS_PLAN = "BUSINESS_PLAN", _("Business plan")
        TRADE = "TRADE", _("A trade")
        OTHER = "OTHER", _("Other")

    class Delivery(models.TextChoices):
        IN_PERSON = "IN_PERSON", _("In person")
        VIRTUAL = "VIRTUAL", _("Virtual (self-paced modules)")
        MIXED = "MIXED", _("Mixed")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    code = models.CharField(_("code"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    description = models.TextField(_("description"), blank=True)
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"),
        null=True,
        blank=True,
        default=DEFAULT_MIN_ATTENDANCE,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Of the sessions held. Empty: attendance does not count for completion."),
    )
    requires_modules = models.BooleanField(
        _("every module must be passed"),
        default=False,
        help_text=_("Each module completed, with its quiz passed where it has one."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "programme": PUBLIC,
        "code": PUBLIC,
        "title": PUBLIC,
        "kind": PUBLIC,
        "delivery": PUBLIC,
        "description": PUBLIC,
        "min_attendance_percent": PUBLIC,
        "requires_modules": PUBLIC,
        "is_active": PUBLIC,
    }

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="course_code_per_programme"),
            models.CheckConstraint(
                condition=models.Q(min_attendance_percent__isnull=True)
                | models.Q(min_attendance_percent__gte=1, min_attendance_percent__lte=100),
                name="course_min_attendance_is_a_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(min_attendance_percent__isnull=False)
                | models.Q(requires_modules=True),
                name="course_has_a_completion_rule",
            ),
        ]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)


class Session(BaseModel):
    """One meeting of a course: when, where, who facilitates it, and whether it was held."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitator (staff)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    facilitator_name = models.CharField(
        _("facilitator (someone else)"),
        max_length=150,
        blank=True,
        help_text=_("A facilitator who has no account, e.g. from a partner institute."),
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)

    data_classification: ClassVar[dict[str, Classification]] = {
        "course": PUBLIC,
        "starts_at": PUBLIC,
        "ends_at": PUBLIC,
        "place": PUBLIC,
        "facilitator": PUBLIC,
        "facilitator_name": PERSONAL,
        "topic": PUBLIC,
        "is_cancelled": PUBLIC,
    }

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["course", "starts_at"], name="session_course_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(facilitator__isnull=True) | models.Q(facilitator_name=""),
                name="session_one_kind_of_facilitator",
            ),
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.course_id} · {self.starts_at:%Y-%m-%d %H:%M}"

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.course.organisation_id)


class CourseEnrolment(BaseModel):
    """A participant taking a course; withdrawn rather than deleted."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrolments"
    )
    participant = models.ForeignKey(
        "people.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="course_enrolments",
    )
    enrolled_on = models.DateField(_("enrolled on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "course": PERSONAL,
        "participant": PERSONAL,
        "enrolled_on": PERSONAL,
        "withdrawn_on": PERSONAL,
    }

    class Meta:
        indexes = [
            models.Index(fields=["participant", "course"], name="course_enrolment_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "participant"], name="one_enrolment_per_course"
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("enrolled_on")),
                name="course_withdrawn_after_enrolled",
            ),
        ]
        verbose_name = _("course enrolment")
        verbose_name_plural = _("course enrolments")

    def __str__(self) -> str:
        return f"{self.participant_id} · {self.course_id}"

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.course.organisation_id, data_subject_id=self.participant_id
        )


class Attendance(BaseModel):
    """Whether an enrolled person was at a session: one row per session and person."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="attendances"
    )
    enrolment = models.ForeignKey(
        CourseEnrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "session": PERSONAL,
        "enrolment": PERSONAL,
        "present": PERSONAL,
        "recorded_by": PUBLIC,
        "recorded_at": PUBLIC,
    }

    class Meta:
        indexes = [models.Index(fields=["enrolment", "session"], name="attendance_enrolment")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="one_attendance_per_session_and_person"
            )
        ]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.session.course.organisation_id,
            data_subject_id=self.enrolment.participant_id,
        )


class Module(BaseModel):
    """A self-paced module of a course: a text to read and, optionally, a short quiz."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="modules"
    )
    order = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(
        _("content"),
        blank=True,
        help_text=_(
            "Plain text. Blank lines separate paragraphs; “# ” starts a heading, “- ” a list "
            "item; **bold**, *italics* and [text](https://…) links are understood."
        ),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=DEFAULT_PASS_MARK,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of the quiz answered right to pass the module."),
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "course": PUBLIC,
        "order": PUBLIC,
        "title": PUBLIC,
        "content": PUBLIC,
        "pass_mark": PUBLIC,
    }

    class Meta:
        ordering = ["course_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "order"], name="module_position_per_course"),
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100),
                name="module_pass_mark_is_a_percent",
            ),
        ]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.course.organisation_id)


class QuizQuestion(BaseModel):
    """A multiple-choice question of a module's quiz; the right answer stays on the server."""

    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=500)
    choices = models.JSONField(_("answers to choose from"), default=list)
    correct_choice = models.PositiveSmallIntegerField(_("right answer"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "module": PUBLIC,
        "order": PUBLIC,
        "text": PUBLIC,
        "choices": PUBLIC,
        "correct_choice": PUBLIC,
    }

    class Meta:
        ordering = ["module_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "order"], name="question_position_per_module"
            ),
        ]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")

    def __str__(self) -> str:
        return f"{self.module_id} · {self.order}"

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.module.course.organisation_id)


class ModuleProgress(BaseModel):
    """How far a person got in one module: completed when, best quiz score, passed or not."""

    enrolment = models.ForeignKey(
        CourseEnrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="module_progress",
    )
    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="progress"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    quiz_score = models.PositiveSmallIntegerField(
        _("quiz score (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    passed = models.BooleanField(_("passed"), default=False)
    # Null when the participant did it through the course link.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "enrolment": PERSONAL,
        "module": PERSONAL,
        "completed_at": PERSONAL,
        "quiz_score": PERSONAL,
        "passed": PERSONAL,
        "recorded_by": PUBLIC,
    }

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "module"], name="one_progress_per_module_and_person"
            ),
            models.CheckConstraint(
                condition=models.Q(quiz_score__isnull=True) | models.Q(quiz_score__lte=100),
                name="module_progress_score_is_a_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(passed=False) | models.Q(completed_at__isnull=False),
                name="module_progress_passed_only_when_completed",
            ),
        ]
        verbose_name = _("module progress")
        verbose_name_plural = _("module progress")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.module.course.organisation_id,
            data_subject_id=self.enrolment.participant_id,
        )


class QuizAttempt(BaseModel):
    """One quiz sent through a course link, scored on the server; limits how often one is tried."""

    enrolment = models.ForeignKey(
        CourseEnrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="quiz_attempts",
    )
    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="attempts"
    )
    answered_at = models.DateTimeField(_("answered at"))
    score = models.PositiveSmallIntegerField(_("score (%)"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "enrolment": PERSONAL,
        "module": PERSONAL,
        "answered_at": PERSONAL,
        "score": PERSONAL,
    }

    class Meta:
        indexes = [
            models.Index(fields=["enrolment", "module", "answered_at"], name="quiz_attempt_recent")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=100), name="quiz_attempt_score_is_a_percent"
            )
        ]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.module.course.organisation_id,
            data_subject_id=self.enrolment.participant_id,
        )


class AccessLink(BaseModel):
    """A participant's link to one course's modules, without an account.

    The token is shown once, as a URL, when the link is made; only its SHA-256 is kept, so
    a copy of the database opens no course. A link expires on a date and can be revoked.
    """

    enrolment = models.ForeignKey(
        CourseEnrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="access_links",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_on = models.DateField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "enrolment": PERSONAL,
        "token_hash": PERSONAL,
        "expires_on": PUBLIC,
        "revoked_at": PUBLIC,
        "created_by": PUBLIC,
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("token_hash"), 64), name="access_link_stores_a_sha256"
            )
        ]
        verbose_name = _("course link")
        verbose_name_plural = _("course links")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.enrolment.course.organisation_id,
            data_subject_id=self.enrolment.participant_id,
        )
