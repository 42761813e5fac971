"""Duplicate detection: each organisation's fitted model, batch passes, the pairs they find, the
decisions staff take on them, merges (which can be undone) and the sharing agreements that let
one organisation's check look at another's registry."""

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, SENSITIVE, Classification
from arraigo.core.encryption import EncryptedJSONField, EncryptedTextField
from arraigo.core.models import BaseModel


class FittedModel(BaseModel):
    """The duplicate-detection model learned from an organisation's registry by a batch pass.

    Without one, the check uses the engine's default parameters.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="duplicate_model",
    )
    # The engine's Model.to_json(): match and non-match probabilities, the threshold, and how
    # common the commonest names and places are.
    parameters = models.JSONField(_("parameters"))
    fitted_at = models.DateTimeField(_("fitted at"))
    records = models.PositiveIntegerField(_("records it was fitted on"))
    batch = models.ForeignKey(
        "dedup.BatchJob",
        verbose_name=_("fitted by the pass"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        # Frequencies of the commonest names of the registry: no one in particular, but names.
        "parameters": PERSONAL,
        "fitted_at": PUBLIC,
        "records": PUBLIC,
        "batch": PUBLIC,
    }

    class Meta:
        verbose_name = _("fitted duplicate-detection model")
        verbose_name_plural = _("fitted duplicate-detection models")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)


class BatchJob(BaseModel):
    """A pass over a programme's or the whole organisation's registry, run in the background."""

    class Scope(models.TextChoices):
        PROGRAMME = "PROGRAMME", _("One programme")
        ORGANISATION = "ORGANISATION", _("The whole organisation")

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Waiting to start")
        RUNNING = "RUNNING", _("Running")
        FINISHED = "FINISHED", _("Finished")
        FAILED = "FAILED", _("Failed")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    records = models.PositiveIntegerField(_("people compared"), default=0)
    pairs_found = models.PositiveIntegerField(_("pairs found"), default=0)
    pairs_new = models.PositiveIntegerField(_("new pairs"), default=0)
    pairs_skipped = models.PositiveIntegerField(_("pairs already decided"), default=0)
    model_fitted = models.BooleanField(_("model fitted again"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # What went wrong, for the user (never personal data: the error's kind only).
    error = models.CharField(_("error"), max_length=200, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "scope": PUBLIC,
        "programme": PUBLIC,
        "status": PUBLIC,
        "progress": PUBLIC,
        "records": PUBLIC,
        "pairs_found": PUBLIC,
        "pairs_new": PUBLIC,
        "pairs_skipped": PUBLIC,
        "model_fitted": PUBLIC,
        "started_by": PUBLIC,
        "queued_at": PUBLIC,
        "started_at": PUBLIC,
        "finished_at": PUBLIC,
        "error": PUBLIC,
    }

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-queued_at"], name="batchjob_org_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="PROGRAMME", programme__isnull=False)
                | models.Q(scope="ORGANISATION", programme__isnull=True),
                name="batchjob_programme_matches_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="batchjob_progress_at_most_100"
            ),
        ]
        verbose_name = _("duplicate-detection pass")
        verbose_name_plural = _("duplicate-detection passes")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class CandidatePair(BaseModel):
    """Two registrations that may be the same person, and what was decided about them.

    ``participant_a`` is the one with the smaller id, so that a pair is stored once.
    """

    class Status(models.TextChoices):
        OPEN = "OPEN", _("To review")
        MERGED = "MERGED", _("Merged")
        NOT_DUPLICATE = "NOT_DUPLICATE", _("Not the same person")
        DISMISSED = "DISMISSED", _("Set aside")

    class FoundBy(models.TextChoices):
        BATCH = "BATCH", _("A duplicate-detection pass")
        REGISTRATION = "REGISTRATION", _("The check at registration")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    participant_a = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    participant_b = models.ForeignKey(
        "people.Participant", on_delete=models.PROTECT, related_name="+"
    )
    probability = models.FloatField(_("probability"))
    # Per compared field: {"field", "level", "weight"}; derived from both people's details.
    explanation = models.JSONField(_("explanation"), default=list)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.OPEN
    )
    found_by = models.CharField(_("found by"), max_length=12, choices=FoundBy.choices)
    batch = models.ForeignKey(
        BatchJob,
        verbose_name=_("last found by the pass"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairs",
    )
    found_at = models.DateTimeField(_("found at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "participant_a": PERSONAL,
        "participant_b": PERSONAL,
        "probability": PERSONAL,
        "explanation": PERSONAL,
        "status": PERSONAL,
        "found_by": PUBLIC,
        "batch": PUBLIC,
        "found_at": PUBLIC,
        "decided_at": PUBLIC,
    }

    class Meta:
        ordering = ["-probability", "id"]
        indexes = [
            # The review queue: most likely first, by keyset.
            models.Index(
                fields=["organisation", "status", "-probability", "id"], name="pair_queue"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(participant_a__lt=models.F("participant_b")),
                name="pair_a_before_b",
            ),
            models.UniqueConstraint(fields=["participant_a", "participant_b"], name="pair_once"),
            models.CheckConstraint(
                condition=models.Q(probability__gte=0, probability__lte=1),
                name="pair_probability_between_0_and_1",
            ),
        ]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)

    @property
    def percentage(self) -> int:
        return round(self.probability * 100)


class Decision(BaseModel):
    """Who decided what about possible duplicates, when and why.

    At registration: "the same person" (enrolled instead of registered again) or "a new person"
    (registered despite the candidates shown, listed in ``candidates``). In review: not the same
    person, set aside, merged, merge undone.
    """

    class Kind(models.TextChoices):
        SAME_PERSON = "SAME_PERSON", _("The same person: enrolled instead of registered again")
        NEW_PERSON = "NEW_PERSON", _("A new person, registered despite possible duplicates")
        NOT_DUPLICATE = "NOT_DUPLICATE", _("Not the same person")
        DISMISSED = "DISMISSED", _("Set aside")
        MERGED = "MERGED", _("Merged")
        UNMERGED = "UNMERGED", _("Merge undone")

    class Source(models.TextChoices):
        REGISTRATION_PAGE = "REGISTRATION_PAGE", _("Registration page")
        API = "API", _("API")
        IMPORT = "IMPORT", _("Import")
        REVIEW = "REVIEW", _("Review of possible duplicates")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("decision"), max_length=14, choices=Kind.choices)
    source = models.CharField(_("taken on"), max_length=17, choices=Source.choices)
    pair = models.ForeignKey(
        CandidatePair,
        verbose_name=_("pair"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
    )
    # The person registered, or the one the registration was found to be.
    participant = models.ForeignKey(
        "people.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # At registration, the possible duplicates shown: [{"participant", "organisation",
    # "probability"}].
    candidates = models.JSONField(_("candidates shown"), default=list, blank=True)
    reason = EncryptedTextField(_("why"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "kind": PERSONAL,
        "source": PUBLIC,
        "pair": PERSONAL,
        "participant": PERSONAL,
        "candidates": PERSONAL,
        # Free text about people: encrypted even though not SENSITIVE.
        "reason": PERSONAL,
        "decided_by": PUBLIC,
        "decided_at": PUBLIC,
    }

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-decided_at"], name="decision_recent")]
        verbose_name = _("decision on possible duplicates")
        verbose_name_plural = _("decisions on possible duplicates")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id, data_subject_id=self.participant_id)


class Merge(BaseModel):
    """Two records of one person made one, with everything needed to undo it exactly.

    ``merged`` is kept as it was, pointing to ``survivor``; the rows that referred to it were
    repointed to ``survivor`` and are listed in ``moved``; rows that could not move (the
    survivor already had one like it) are listed in ``conflicts``.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    survivor = models.ForeignKey(
        "people.Participant",
        verbose_name=_("record kept"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged = models.ForeignKey(
        "people.Participant",
        verbose_name=_("record merged into it"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    pair = models.ForeignKey(
        CandidatePair,
        verbose_name=_("pair"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merges",
    )
    # The survivor's fields that changed: {attname: [before, after]}. May hold SENSITIVE values
    # (a gender identity taken from the merged record), hence encrypted and never shown.
    values = EncryptedJSONField(_("values chosen"), default=dict)
    # Every repointed row: [{"model", "pk", "field", "old", "new"}], to undo exactly.
    moved = models.JSONField(_("rows moved"), default=list)
    # Rows left with the merged record: [{"model", "pk", "field", "reason"}].
    conflicts = models.JSONField(_("rows left for review"), default=list)
    merged_at = models.DateTimeField(_("merged at"))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Fields of the survivor changed after the merge, left as they were when it was undone.
    kept_on_undo = models.JSONField(_("fields kept when undone"), default=list, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "survivor": PERSONAL,
        "merged": PERSONAL,
        "pair": PERSONAL,
        "values": SENSITIVE,
        "moved": PERSONAL,
        "conflicts": PERSONAL,
        "merged_at": PUBLIC,
        "merged_by": PUBLIC,
        "undone_at": PUBLIC,
        "undone_by": PUBLIC,
        "kept_on_undo": PERSONAL,
    }

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-merged_at"], name="merge_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(survivor=models.F("merged")), name="merge_of_two_records"
            ),
            models.CheckConstraint(
                condition=models.Q(undone_at__isnull=True, undone_by__isnull=True)
                | models.Q(undone_at__isnull=False, undone_by__isnull=False),
                name="merge_undone_with_date_and_person",
            ),
        ]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id, data_subject_id=self.survivor_id)

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class SharingAgreement(BaseModel):
    """Two organisations agreeing that each one's duplicate check may look at the other's people.

    Without an agreement in force, nothing of another organisation is ever read by the check.
    Even with one, the check tells only that a possible match exists in the other organisation
    (and, if ``discloses_reference``, its reference to quote when calling them); never names
    or other details, which need the person's consent to be shared.
    """

    class Purpose(models.TextChoices):
        DUPLICATE_CHECK = "DUPLICATE_CHECK", _("Checking for people registered twice")

    class State(models.TextChoices):
        UPCOMING = "UPCOMING", _("Not yet in force")
        IN_FORCE = "IN_FORCE", _("In force")
        EXPIRED = "EXPIRED", _("Expired")
        ENDED = "ENDED", _("Ended")

    organisation_a = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation_b = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("other organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.DUPLICATE_CHECK
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    signed_by = models.CharField(
        _("signed by"),
        max_length=300,
        help_text=_("Who signed it for each organisation, with their positions."),
    )
    discloses_reference = models.BooleanField(
        _("shows the other organisation's reference"),
        default=False,
        help_text=_("So that staff can quote it when they call the other organisation."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Either organisation may end the agreement at once, whatever its dates said: from then on
    # neither one's check reads the other's people.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField(_("reason for ending"), max_length=500, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation_a": PUBLIC,
        "organisation_b": PUBLIC,
        "purpose": PUBLIC,
        "valid_from": PUBLIC,
        "valid_until": PUBLIC,
        "signed_by": PERSONAL,
        "discloses_reference": PUBLIC,
        "recorded_by": PUBLIC,
        "ended_at": PUBLIC,
        "ended_by": PUBLIC,
        "end_reason": PUBLIC,
    }

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(organisation_a=models.F("organisation_b")),
                name="agreement_between_two_organisations",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="agreement_ends_after_it_starts",
            ),
        ]
        verbose_name = _("sharing agreement")
        verbose_name_plural = _("sharing agreements")

    def __str__(self) -> str:
        return str(self.pk)

    def state_on(self, day: datetime.date) -> str:
        """Whether the agreement is in force on *day*, not yet, expired or ended by a party."""
        if self.ended_at is not None:
            return self.State.ENDED
        if day < self.valid_from:
            return self.State.UPCOMING
        if self.valid_until is not None and day > self.valid_until:
            return self.State.EXPIRED
        return self.State.IN_FORCE

    def other_than(self, organisation_id: Any) -> Any:
        """The organisation of the agreement that is not *organisation_id*."""
        if self.organisation_a_id == organisation_id:
            return self.organisation_b
        return self.organisation_a

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_a_id)
