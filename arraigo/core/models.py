"""Shared building blocks: the base model, the audit log, reference data and human references."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.encryption import EncryptedJSONField
from arraigo.core.ids import uuid7


class BaseModel(models.Model):
    """UUID primary key and creation/update times, for every record about people or their work."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "id": PUBLIC,
        "created_at": PUBLIC,
        "updated_at": PUBLIC,
    }

    class Meta:
        abstract = True


class Country(models.TextChoices):
    """Countries whose administrative divisions Arraigo ships."""

    EL_SALVADOR = "SV", _("El Salvador")
    COLOMBIA = "CO", _("Colombia")
    ECUADOR = "EC", _("Ecuador")


class AdministrativeDivision(models.Model):
    """A department/province, municipality/canton or district, from the files in core/data/geo."""

    class Level(models.TextChoices):
        DEPARTMENT = "DEPARTMENT", _("Department or province")
        MUNICIPALITY = "MUNICIPALITY", _("Municipality or canton")
        DISTRICT = "DISTRICT", _("District")

    code = models.CharField(_("code"), max_length=64, primary_key=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    official_code = models.BooleanField(
        _("official code"),
        default=True,
        help_text=_("False where the country publishes no code and Arraigo derived one."),
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "code": PUBLIC,
        "country": PUBLIC,
        "level": PUBLIC,
        "name": PUBLIC,
        "parent": PUBLIC,
        "official_code": PUBLIC,
    }

    class Meta:
        ordering = ["country", "name", "code"]
        indexes = [models.Index(fields=["country", "level", "name"])]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return self.name


class Occupation(models.Model):
    """An ISCO-08 (CIUO-08) group, at any of its four levels."""

    class Level(models.TextChoices):
        MAJOR = "MAJOR", _("Major group")
        SUB_MAJOR = "SUB_MAJOR", _("Sub-major group")
        MINOR = "MINOR", _("Minor group")
        UNIT = "UNIT", _("Unit group")

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200)

    data_classification: ClassVar[dict[str, Classification]] = {
        "code": PUBLIC,
        "level": PUBLIC,
        "parent": PUBLIC,
        "title_en": PUBLIC,
        "title_es": PUBLIC,
    }

    class Meta:
        ordering = ["code"]
        verbose_name = _("occupation (ISCO-08)")
        verbose_name_plural = _("occupations (ISCO-08)")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" else self.title_es


class ReferenceSequence(models.Model):
    """The last number handed out for a reference prefix, e.g. ``SV-2026``."""

    prefix = models.CharField(max_length=20, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    data_classification: ClassVar[dict[str, Classification]] = {
        "prefix": PUBLIC,
        "last_value": PUBLIC,
    }

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"


class AuditEvent(models.Model):
    """Who did what to which record, when, and what changed. Written by services, never edited."""

    class Kind(models.TextChoices):
        WRITE = "WRITE", pgettext_lazy("kind of audit event", "Change")
        READ = "READ", _("Read of sensitive data")
        EXPORT = "EXPORT", _("Export")
        ACCESS = "ACCESS", _("Sign-in and security")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.WRITE)
    action = models.CharField(_("action"), max_length=80)
    target_type = models.CharField(_("record type"), max_length=80)
    target_id = models.CharField(_("record"), max_length=64)
    # The person the event is about (for "who saw or changed my data") and the case whose
    # timeline shows it; both optional, both indexed.
    data_subject_id = models.UUIDField(null=True, blank=True)
    case_id = models.UUIDField(null=True, blank=True)
    changes = EncryptedJSONField(_("changes"), null=True, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "id": PUBLIC,
        "at": PUBLIC,
        "actor": PERSONAL,
        "organisation": PUBLIC,
        "kind": PUBLIC,
        "action": PUBLIC,
        "target_type": PUBLIC,
        "target_id": PUBLIC,
        "data_subject_id": PERSONAL,
        "case_id": PUBLIC,
        # Encrypted: it may hold personal values (SENSITIVE values are never written to it).
        "changes": PERSONAL,
    }

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-at", "-id"]),
            models.Index(fields=["case_id", "-at"]),
            models.Index(fields=["data_subject_id", "-at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
