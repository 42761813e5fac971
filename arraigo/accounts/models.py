"""Users, the organisations they work for, and the role each one holds there."""

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.ids import uuid7
from arraigo.core.models import BaseModel, Country


class Role(models.TextChoices):
    """What a member may do and see in its organisation (see docs/roles.md)."""

    ADMIN = "ADMIN", _("Administrator")
    MANAGER = "MANAGER", _("Programme manager")
    CASEWORKER = "CASEWORKER", _("Caseworker")
    PSYCHOSOCIAL = "PSYCHOSOCIAL", _("Psychosocial staff")
    EVALUATOR = "EVALUATOR", _("Evaluator")
    MONITORING = "MONITORING", _("Monitoring and evaluation")
    PARTNER = "PARTNER", _("Partner organisation staff")
    VIEWER = "VIEWER", _("Viewer (donor, ministry)")


class Organisation(BaseModel):
    """An organisation on the platform: it runs programmes, or it is a partner serving people."""

    class Kind(models.TextChoices):
        INTERNATIONAL = "INTERNATIONAL", _("International organisation")
        NGO = "NGO", _("NGO")
        MUNICIPAL_OFFICE = "MUNICIPAL_OFFICE", _("Municipal office")
        MINISTRY = "MINISTRY", _("Ministry or public agency")
        HEALTH_CENTRE = "HEALTH_CENTRE", _("Health centre")
        VOCATIONAL_INSTITUTE = "VOCATIONAL_INSTITUTE", _("Vocational institute")
        EDUCATION = "EDUCATION", _("School or university")
        COMPANY = "COMPANY", _("Company or employer")
        OTHER = "OTHER", _("Other")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Starts the reference of each person it registers, e.g. SV-2026-000123."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "name": PUBLIC,
        "short_name": PUBLIC,
        "kind": PUBLIC,
        "country": PUBLIC,
        "reference_prefix": PUBLIC,
        "is_active": PUBLIC,
    }

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name or self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, by e-mail. What they may do comes from their membership."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the technical admin site"), default=False)
    date_joined = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    data_classification: ClassVar[dict[str, Classification]] = {
        "id": PUBLIC,
        "email": PERSONAL,
        "full_name": PERSONAL,
        "password": PERSONAL,
        "last_login": PERSONAL,
        "is_superuser": PUBLIC,
        "is_active": PUBLIC,
        "is_staff": PUBLIC,
        "date_joined": PUBLIC,
        "groups": PUBLIC,
        "user_permissions": PUBLIC,
    }

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def audit_scope(self) -> AuditScope:
        organisation_id = (
            Membership.objects.filter(user=self).values_list("organisation_id", flat=True).first()
        )
        return AuditScope(organisation_id=organisation_id)


class Membership(BaseModel):
    """A user's place in one organisation: its role and, through assignments, its programmes.

    One membership per user: someone who works for two organisations has two accounts, so that
    nothing of one organisation ever shows while working for the other.
    """

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    data_classification: ClassVar[dict[str, Classification]] = {
        "user": PERSONAL,
        "organisation": PUBLIC,
        "role": PUBLIC,
    }

    class Meta:
        ordering = ["organisation", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.organisation}"

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id)
