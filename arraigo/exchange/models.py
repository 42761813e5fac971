"""Imports: a file uploaded for a programme (the run) and its rows, each checked in the background
before anything is written, then imported row by row in the background when the user confirms."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.encryption import EncryptedJSONField
from arraigo.core.models import BaseModel


class ImportRun(BaseModel):
    """A file of participants uploaded for a programme: checked, then confirmed (or discarded)."""

    class Status(models.TextChoices):
        CHECKING = "CHECKING", _("Being checked")
        CHECKED = "CHECKED", _("Checked, waiting for confirmation")
        IMPORTING = "IMPORTING", _("Being imported")
        IMPORTED = "IMPORTED", _("Imported")
        DISCARDED = "DISCARDED", _("Discarded")
        FAILED = "FAILED", _("Stopped by an error")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    # sha256 of the file's bytes: the same file uploaded again is recognised.
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.CHECKING
    )
    # The language of whoever uploaded or confirmed: the background work writes the rows'
    # messages in it.
    language = models.CharField(_("language"), max_length=8, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or discarded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("confirmed or discarded at"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_with_errors = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_registered = models.PositiveIntegerField(_("people registered"), default=0)
    rows_enrolled = models.PositiveIntegerField(_("people enrolled"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("rows that changed nothing"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows that failed"), default=0)
    # Progress of the background work, read by the page while it runs.
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_processed = models.PositiveIntegerField(_("rows gone through by the import"), default=0)
    # Rows that showed someone new when checked again at confirmation: they are asked again.
    rows_asked_again = models.PositiveIntegerField(_("rows asked again"), default=0)
    # What went wrong, for the logs' reader (never personal data: the error's kind only).
    error = models.CharField(_("error"), max_length=200, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "programme": PUBLIC,
        # Spreadsheets are often named after a person or a place.
        "file_name": PERSONAL,
        "fingerprint": PUBLIC,
        "status": PUBLIC,
        "language": PUBLIC,
        "uploaded_by": PUBLIC,
        "uploaded_at": PUBLIC,
        "confirmed_by": PUBLIC,
        "confirmed_at": PUBLIC,
        "finished_by": PUBLIC,
        "finished_at": PUBLIC,
        "rows_total": PUBLIC,
        "rows_with_errors": PUBLIC,
        "rows_registered": PUBLIC,
        "rows_enrolled": PUBLIC,
        "rows_unchanged": PUBLIC,
        "rows_failed": PUBLIC,
        "rows_checked": PUBLIC,
        "rows_processed": PUBLIC,
        "rows_asked_again": PUBLIC,
        "error": PUBLIC,
    }

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-uploaded_at", "-id"], name="importrun_recent"),
            models.Index(fields=["organisation", "fingerprint"], name="importrun_fingerprint"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["CHECKING", "CHECKED", "IMPORTING", "FAILED"],
                    finished_at__isnull=True,
                )
                | models.Q(status__in=["IMPORTED", "DISCARDED"], finished_at__isnull=False),
                name="importrun_finished_when_done",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="IMPORTING") | models.Q(confirmed_by__isnull=False),
                name="importrun_importing_when_confirmed",
            ),
        ]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.CHECKED

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)


class ImportRow(BaseModel):
    """One row of an import: its values (encrypted), what the check found, the user's answer and,
    once confirmed, what became of it."""

    class Status(models.TextChoices):
        UNCHECKED = "UNCHECKED", _("Not checked yet")
        ERROR = "ERROR", _("Errors to correct in the file")
        READY = "READY", _("Ready")
        POSSIBLE_DUPLICATE = "POSSIBLE_DUPLICATE", _("Possible duplicate")
        SAME_IN_FILE = "SAME_IN_FILE", _("Same document as an earlier row")
        ALREADY_REGISTERED = "ALREADY_REGISTERED", _("Already registered")
        ALREADY_IMPORTED = "ALREADY_IMPORTED", _("Already imported")

    class Answer(models.TextChoices):
        SAME_PERSON = "SAME_PERSON", _("Same person: enrol instead")
        NEW_PERSON = "NEW_PERSON", _("New person: register")
        SKIP = "SKIP", _("Skip this row")

    class Outcome(models.TextChoices):
        REGISTERED = "REGISTERED", _("Registered")
        ENROLLED = "ENROLLED", _("Enrolled (already registered)")
        UNCHANGED = "UNCHANGED", _("Nothing changed")
        SKIPPED = "SKIPPED", _("Skipped")
        FAILED = "FAILED", _("Not imported")

    run = models.ForeignKey(
        ImportRun, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    # The row's line in the file (the header is line 1).
    line = models.PositiveIntegerField(_("line"))
    # {column: value} as read from the file, text only.
    values = EncryptedJSONField(_("values"))
    # HMAC of the row's values: the same row imported before is recognised.
    values_key = models.CharField(_("key of the values"), max_length=64)
    status = models.CharField(_("status"), max_length=18, choices=Status.choices)
    # {column: [messages]}, in the language of the user who uploaded the file.
    errors = EncryptedJSONField(_("errors"), default=dict, blank=True)
    # The possible duplicates found: participant, organisation, probability, reference,
    # reasons (field, level, weight) and the engine's explanation.
    matches = EncryptedJSONField(_("possible duplicates"), default=list, blank=True)
    # The earlier row of the same file holding the same document.
    same_as_line = models.PositiveIntegerField(_("same as line"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=11, choices=Answer.choices, blank=True)
    same_person = models.ForeignKey(
        "people.Participant",
        verbose_name=_("the same person as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    participant = models.ForeignKey(
        "people.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why the row was not imported (messages by column), in the language of who confirmed.
    failure = EncryptedJSONField(_("why it was not imported"), default=dict, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "run": PUBLIC,
        "line": PUBLIC,
        "values": PERSONAL,
        "values_key": PERSONAL,
        "status": PUBLIC,
        # Messages may repeat a value of the row.
        "errors": PERSONAL,
        "matches": PERSONAL,
        "same_as_line": PUBLIC,
        "answer": PUBLIC,
        "same_person": PERSONAL,
        "outcome": PUBLIC,
        "participant": PERSONAL,
        "failure": PERSONAL,
    }

    class Meta:
        ordering = ["run", "line"]
        indexes = [models.Index(fields=["values_key"], name="importrow_values_key")]
        constraints = [
            models.UniqueConstraint(fields=["run", "line"], name="importrow_line_once"),
            models.CheckConstraint(
                condition=models.Q(answer="SAME_PERSON", same_person__isnull=False)
                | (~models.Q(answer="SAME_PERSON") & models.Q(same_person__isnull=True)),
                name="importrow_same_person_with_its_answer",
            ),
        ]
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.run.organisation_id, data_subject_id=self.participant_id
        )
