"""Cases: the support a participant receives in a programme, from intake to closure."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, SENSITIVE, Classification
from arraigo.core.encryption import EncryptedTextField
from arraigo.core.models import BaseModel


class Case(BaseModel):
    """One case per participant and programme; reopened rather than duplicated."""

    class Status(models.TextChoices):
        OPEN = "OPEN", _("Open")
        ACTIVE = "ACTIVE", _("Active")
        CLOSED = "CLOSED", _("Closed")

    class ClosureReason(models.TextChoices):
        PLAN_COMPLETED = "PLAN_COMPLETED", _("Plan completed")
        SUPPORT_PERIOD_ENDED = "SUPPORT_PERIOD_ENDED", _("Support period ended")
        NO_LONGER_ELIGIBLE = "NO_LONGER_ELIGIBLE", _("No longer eligible")
        WITHDREW = "WITHDREW", _("Person withdrew")
        MOVED_AWAY = "MOVED_AWAY", _("Moved away")
        LOST_CONTACT = "LOST_CONTACT", _("Lost contact")
        DECEASED = "DECEASED", _("Deceased")

    class IntakeChannel(models.TextChoices):
        RECEPTION_CENTRE = "RECEPTION_CENTRE", _("Reception centre for returnees")
        WALK_IN = "WALK_IN", _("Came to the office")
        OUTREACH = "OUTREACH", _("Outreach in the community")
        PARTNER_REFERRAL = "PARTNER_REFERRAL", _("Referred by a partner")
        PHONE = "PHONE", _("Phone or messaging")
        OTHER = "OTHER", _("Other")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cases"
    )
    participant = models.ForeignKey(
        "people.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    opened_on = models.DateField(_("opened on"))
    intake_channel = models.CharField(
        _("how the person came"), max_length=20, choices=IntakeChannel.choices
    )
    # What the person told at intake; may hold protection concerns, so encrypted.
    intake_summary = EncryptedTextField(_("intake summary"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=24, choices=ClosureReason.choices, blank=True
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "participant": PERSONAL,
        "programme": PERSONAL,
        "status": PERSONAL,
        "assigned_to": PUBLIC,
        "opened_on": PERSONAL,
        "intake_channel": PERSONAL,
        "intake_summary": SENSITIVE,
        "closed_on": PERSONAL,
        "closure_reason": PERSONAL,
    }

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "-id"], name="case_org_status"),
            models.Index(fields=["assigned_to", "status"], name="case_assignee_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "programme"], name="one_case_per_programme"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="CLOSED", closed_on__isnull=False)
                    & ~models.Q(closure_reason="")
                )
                | (
                    ~models.Q(status="CLOSED")
                    & models.Q(closed_on__isnull=True, closure_reason="")
                ),
                name="closed_case_has_date_and_reason",
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.organisation_id,
            data_subject_id=self.participant_id,
            case_id=self.pk,
        )
