"""The service directory (providers, their services and coverage) and referrals to them."""

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, SENSITIVE, Classification
from arraigo.core.encryption import EncryptedTextField
from arraigo.core.models import BaseModel


class Provider(BaseModel):
    """An entry of an organisation's service directory: someone people can be referred to.

    ``owner`` is the organisation whose directory lists the entry; ``organisation`` is the
    organisation that *is* the provider on the platform, to which consents and PARTNER users
    belong. Several organisations may list the same provider, each with its own entry.
    """

    class Kind(models.TextChoices):
        MUNICIPAL_OFFICE = "MUNICIPAL_OFFICE", _("Municipal office")
        MINISTRY = "MINISTRY", _("Ministry or public agency")
        NGO = "NGO", _("NGO")
        HEALTH_CENTRE = "HEALTH_CENTRE", _("Health centre")
        VOCATIONAL_INSTITUTE = "VOCATIONAL_INSTITUTE", _("Vocational institute")
        COMPANY = "COMPANY", _("Company")
        OTHER = "OTHER", _("Other")

    owner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("directory of"),
        on_delete=models.PROTECT,
        related_name="directory",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="directory_entries",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    municipalities = models.ManyToManyField(
        "core.AdministrativeDivision",
        verbose_name=_("municipalities covered"),
        blank=True,
        limit_choices_to={"level": "MUNICIPALITY"},
        related_name="+",
    )
    contact_person = models.CharField(_("contact person"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "owner": PUBLIC,
        "organisation": PUBLIC,
        "name": PUBLIC,
        "kind": PUBLIC,
        "description": PUBLIC,
        "municipalities": PUBLIC,
        # The name of a member of the provider's staff.
        "contact_person": PERSONAL,
        "phone": PUBLIC,
        "email": PUBLIC,
        "address": PUBLIC,
        "opening_hours": PUBLIC,
        "is_active": PUBLIC,
    }

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "name", "id"], name="provider_owner_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "organisation"], name="provider_listed_once_per_directory"
            )
        ]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.owner_id)


class Service(BaseModel):
    """A service a provider offers, e.g. legal advice or a vocational course."""

    class Category(models.TextChoices):
        HEALTH = "HEALTH", _("Health")
        PSYCHOLOGICAL = "PSYCHOLOGICAL", _("Psychological support")
        LEGAL = "LEGAL", _("Legal advice")
        EMPLOYMENT = "EMPLOYMENT", _("Employment")
        EDUCATION = "EDUCATION", _("Education")
        VOCATIONAL_TRAINING = "VOCATIONAL_TRAINING", _("Vocational training")
        HOUSING = "HOUSING", _("Housing or shelter")
        DOCUMENTATION = "DOCUMENTATION", _("Identity documents")
        FINANCIAL = "FINANCIAL", _("Financial services")
        FOOD = "FOOD", _("Food")
        OTHER = "OTHER", _("Other")

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    eligibility = models.TextField(
        _("who can use it"),
        blank=True,
        help_text=_("Requirements, e.g. age, documents needed, population served."),
    )
    is_active = models.BooleanField(_("offered now"), default=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "provider": PUBLIC,
        "name": PUBLIC,
        "category": PUBLIC,
        "description": PUBLIC,
        "eligibility": PUBLIC,
        "is_active": PUBLIC,
    }

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["category", "provider"], name="service_category")]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.provider.owner_id)


class ReferralQuerySet(models.QuerySet["Referral"]):
    def open(self) -> "ReferralQuerySet":
        """Referrals still waiting on the provider: an answer, or the service being given."""
        return self.filter(status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED])

    def overdue_condition(self, today: datetime.date) -> Q:
        return Q(status=Referral.Status.SENT, answer_due_on__lt=today) | Q(
            status=Referral.Status.ACCEPTED, follow_up_on__lt=today
        )

    def overdue(self, today: datetime.date) -> "ReferralQuerySet":
        return self.filter(self.overdue_condition(today))

    def with_due_dates(self, today: datetime.date) -> "ReferralQuerySet":
        """Annotate ``due_on`` (the next date the provider owes something) and ``is_overdue``."""
        return self.annotate(
            due_on=Case(
                When(status=Referral.Status.ACCEPTED, then=F("follow_up_on")),
                When(status=Referral.Status.SENT, then=F("answer_due_on")),
                default=Value(None),
                output_field=models.DateField(),
            ),
            is_overdue=Case(
                When(self.overdue_condition(today), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
        )


class Referral(BaseModel):
    """A case sent to a provider for one of its services, with the consent that allowed it."""

    class Urgency(models.TextChoices):
        ROUTINE = "ROUTINE", _("Routine")
        PRIORITY = "PRIORITY", _("Priority")
        URGENT = "URGENT", _("Urgent")

    class Status(models.TextChoices):
        SENT = "SENT", _("Sent, awaiting answer")
        ACCEPTED = "ACCEPTED", _("Accepted")
        DECLINED = "DECLINED", _("Declined")
        COMPLETED = "COMPLETED", _("Completed")
        CANCELLED = "CANCELLED", _("Cancelled")

    class DeclineReason(models.TextChoices):
        NOT_ELIGIBLE = "NOT_ELIGIBLE", _("The person is not eligible")
        NO_CAPACITY = "NO_CAPACITY", _("No places or capacity now")
        NOT_OFFERED = "NOT_OFFERED", _("We do not offer this service")
        OUT_OF_AREA = "OUT_OF_AREA", _("Outside the area we cover")
        NO_CONTACT = "NO_CONTACT", _("We could not reach the person")
        OTHER = "OTHER", _("Other reason")

    class Outcome(models.TextChoices):
        RECEIVED = "RECEIVED", _("The person received the service")
        PARTLY_RECEIVED = "PARTLY_RECEIVED", _("The person received part of the service")
        NOT_RECEIVED = "NOT_RECEIVED", _("The person did not receive the service")

    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="referrals"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="referrals"
    )
    consent = models.ForeignKey(
        "people.Consent",
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text=_("The participant's consent that allowed sharing their data with the provider."),
    )
    # Why the person is referred: often health or protection details, so encrypted.
    reason = EncryptedTextField(_("reason for the referral"))
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answer_due_on = models.DateField(_("answer due on"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_reason = models.CharField(
        _("reason for declining"), max_length=12, choices=DeclineReason.choices, blank=True
    )
    answer_note = EncryptedTextField(_("note with the answer"), blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField(_("what was done"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancellation_note = EncryptedTextField(_("why it was cancelled"), blank=True)

    objects = ReferralQuerySet.as_manager()

    data_classification: ClassVar[dict[str, Classification]] = {
        "reference": PERSONAL,
        "case": PERSONAL,
        "provider": PERSONAL,
        "service": PERSONAL,
        "consent": PERSONAL,
        "reason": SENSITIVE,
        "urgency": PERSONAL,
        "status": PERSONAL,
        "sent_at": PERSONAL,
        "sent_by": PUBLIC,
        "answer_due_on": PERSONAL,
        "responded_at": PERSONAL,
        "responded_by": PUBLIC,
        "decline_reason": PERSONAL,
        "answer_note": SENSITIVE,
        "follow_up_on": PERSONAL,
        "completed_at": PERSONAL,
        "completed_by": PUBLIC,
        "outcome": PERSONAL,
        "outcome_note": SENSITIVE,
        "cancelled_at": PERSONAL,
        "cancelled_by": PUBLIC,
        "cancellation_note": SENSITIVE,
    }

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "status", "-sent_at"], name="referral_provider"),
            models.Index(fields=["case", "-sent_at"], name="referral_case"),
            models.Index(fields=["status", "answer_due_on"], name="referral_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="SENT") | Q(status="CANCELLED") | Q(responded_at__isnull=False),
                name="referral_answered_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="DECLINED") | ~Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="ACCEPTED") | Q(follow_up_on__isnull=False),
                name="referral_accepted_has_follow_up",
            ),
            models.CheckConstraint(
                condition=~Q(status="COMPLETED") | (Q(completed_at__isnull=False) & ~Q(outcome="")),
                name="referral_completed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status="CANCELLED") | Q(cancelled_at__isnull=False),
                name="referral_cancelled_has_date",
            ),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return self.reference

    def audit_scope(self) -> AuditScope:
        return AuditScope(
            organisation_id=self.case.organisation_id,
            data_subject_id=self.case.participant_id,
            case_id=self.case_id,
        )
