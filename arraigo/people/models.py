"""The registry: participants, their documents, households, programme enrolments and consents."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, SENSITIVE, Classification
from arraigo.core.encryption import EncryptedJSONField, EncryptedTextField
from arraigo.core.models import BaseModel, Country


class Sex(models.TextChoices):
    FEMALE = "FEMALE", _("Female")
    MALE = "MALE", _("Male")
    INTERSEX = "INTERSEX", _("Intersex")


class GenderIdentity(models.TextChoices):
    WOMAN = "WOMAN", _("Woman")
    MAN = "MAN", _("Man")
    TRANS_WOMAN = "TRANS_WOMAN", _("Trans woman")
    TRANS_MAN = "TRANS_MAN", _("Trans man")
    NON_BINARY = "NON_BINARY", _("Non-binary")
    OTHER = "OTHER", _("Other")
    NOT_SAID = "NOT_SAID", _("Prefers not to say")


class PopulationType(models.TextChoices):
    RETURNEE = "RETURNEE", _("Returnee")
    IDP = "IDP", _("Internally displaced person")
    MIGRANT = "MIGRANT", _("Migrant")
    REFUGEE = "REFUGEE", _("Refugee")
    HOST_COMMUNITY = "HOST_COMMUNITY", _("Host community")


class ReturnKind(models.TextChoices):
    DEPORTED = "DEPORTED", _("Deported (forced return)")
    ASSISTED_VOLUNTARY = "ASSISTED_VOLUNTARY", _("Assisted voluntary return")
    SPONTANEOUS = "SPONTANEOUS", _("Spontaneous (own means)")
    EXPELLED_AT_BORDER = "EXPELLED_AT_BORDER", _("Expelled or rejected at a border")


class EducationLevel(models.TextChoices):
    NONE = "NONE", _("No formal education")
    PRIMARY_INCOMPLETE = "PRIMARY_INCOMPLETE", _("Primary, incomplete")
    PRIMARY = "PRIMARY", _("Primary")
    SECONDARY_INCOMPLETE = "SECONDARY_INCOMPLETE", _("Secondary, incomplete")
    SECONDARY = "SECONDARY", _("Secondary")
    TECHNICAL = "TECHNICAL", _("Technical or vocational")
    UNIVERSITY = "UNIVERSITY", _("University")
    POSTGRADUATE = "POSTGRADUATE", _("Postgraduate")


class Language(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")
    NAHUAT = "ppl", _("Nahuat")
    KICHWA = "qu", _("Kichwa / Quechua")
    WAYUUNAIKI = "guc", _("Wayuunaiki")
    PORTUGUESE = "pt", _("Portuguese")
    FRENCH = "fr", _("French")
    OTHER = "other", _("Other")


class Relationship(models.TextChoices):
    HEAD = "HEAD", _("Head of household")
    SPOUSE = "SPOUSE", _("Spouse or partner")
    CHILD = "CHILD", _("Son or daughter")
    PARENT = "PARENT", _("Father or mother")
    SIBLING = "SIBLING", _("Brother or sister")
    OTHER_RELATIVE = "OTHER_RELATIVE", _("Other relative")
    NON_RELATIVE = "NON_RELATIVE", _("Not related")


class Household(BaseModel):
    """The people who live and eat together. Women-headed households are counted from the head."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="households"
    )
    head = models.OneToOneField(
        "people.Participant",
        verbose_name=_("head of household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headed_household",
    )
    size = models.PositiveSmallIntegerField(_("people in the household"), default=1)
    dependants = models.PositiveSmallIntegerField(
        _("dependants"),
        default=0,
        help_text=_("Children under 18 and adults who depend on the household's income."),
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "head": PERSONAL,
        "size": PERSONAL,
        "dependants": PERSONAL,
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gte=1), name="household_has_at_least_one_person"
            ),
            models.CheckConstraint(
                condition=models.Q(dependants__lt=models.F("size")),
                name="household_dependants_fewer_than_size",
            ),
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id, data_subject_id=self.head_id)


class Participant(BaseModel):
    """A person registered by an organisation: returnee, displaced, migrant or host community."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participants",
    )
    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    given_names = models.CharField(_("given names"), max_length=120)
    first_surname = models.CharField(_("first surname"), max_length=80)
    second_surname = models.CharField(_("second surname"), max_length=80, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    gender_identity = EncryptedTextField(
        _("gender identity"), choices=GenderIdentity.choices, blank=True
    )
    birth_date = models.DateField(_("date of birth"))
    birth_date_is_estimated = models.BooleanField(
        _("date of birth estimated from the age"), default=False
    )
    nationality = CountryField(_("nationality"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_national = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    country = models.CharField(_("country of residence"), max_length=2, choices=Country.choices)
    department = models.ForeignKey(
        "core.AdministrativeDivision",
        verbose_name=_("department or province"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    municipality = models.ForeignKey(
        "core.AdministrativeDivision",
        verbose_name=_("municipality or canton"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        "core.AdministrativeDivision",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=250, blank=True)
    population_type = models.CharField(
        _("population type"), max_length=16, choices=PopulationType.choices
    )
    returned_on = models.DateField(_("date of return"), null=True, blank=True)
    returned_from = CountryField(_("country returned from"), blank=True)
    return_kind = models.CharField(
        _("kind of return"), max_length=20, choices=ReturnKind.choices, blank=True
    )
    education_level = models.CharField(
        _("education"), max_length=24, choices=EducationLevel.choices, blank=True
    )
    occupation = models.ForeignKey(
        "core.Occupation",
        verbose_name=_("occupation (ISCO-08)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # Washington Group short set: {domain: answer 1-4}. Health data, so encrypted.
    disability_answers = EncryptedJSONField(
        _("functioning (Washington Group)"), null=True, blank=True
    )
    has_disability = models.BooleanField(
        _("person with disability"),
        default=False,
        editable=False,
        help_text=_("Derived: a lot of difficulty, or cannot do at all, in at least one domain."),
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    relationship_to_head = models.CharField(
        _("relationship to the head of household"),
        max_length=16,
        choices=Relationship.choices,
        blank=True,
    )
    registered_on = models.DateField(_("registered on"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Normalised full name (no accents, lower case), for ranking search results.
    search_name = models.CharField(max_length=300, editable=False)
    # Set when this record was found to be another registration of the person it points to and
    # merged into it. The record is kept as it was (a merge deletes nothing and can be undone),
    # but it leaves lists and search.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        # Indexed below for the few merged records only.
        db_index=False,
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "organisation": PUBLIC,
        "reference": PERSONAL,
        "given_names": PERSONAL,
        "first_surname": PERSONAL,
        "second_surname": PERSONAL,
        "sex": PERSONAL,
        "gender_identity": SENSITIVE,
        "birth_date": PERSONAL,
        "birth_date_is_estimated": PERSONAL,
        "nationality": PERSONAL,
        "phone": PERSONAL,
        "phone_national": PERSONAL,
        "email": PERSONAL,
        "country": PERSONAL,
        "department": PERSONAL,
        "municipality": PERSONAL,
        "district": PERSONAL,
        "address": PERSONAL,
        "population_type": PERSONAL,
        "returned_on": PERSONAL,
        "returned_from": PERSONAL,
        "return_kind": PERSONAL,
        "education_level": PERSONAL,
        "occupation": PERSONAL,
        "languages": PERSONAL,
        "disability_answers": SENSITIVE,
        "has_disability": PERSONAL,
        "household": PERSONAL,
        "relationship_to_head": PERSONAL,
        "registered_on": PERSONAL,
        "registered_by": PUBLIC,
        "search_name": PERSONAL,
        "merged_into": PERSONAL,
    }

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="participant_org_recent"),
            models.Index(fields=["organisation", "phone_national"], name="participant_org_phone"),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="participant_merged_into",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(population_type="RETURNEE")
                | models.Q(returned_on__isnull=False),
                name="returnee_has_return_date",
            ),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        # Never the name: __str__ ends up in logs and admin messages.
        return self.reference

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.given_names, self.first_surname, self.second_surname) if part
        )

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id, data_subject_id=self.pk)


class NameKey(models.Model):
    """One phonetic key of one name of a participant: finds people despite spelling and order."""

    organisation_id = models.UUIDField()
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=12)

    data_classification: ClassVar[dict[str, Classification]] = {
        "id": PUBLIC,
        "organisation_id": PUBLIC,
        "participant": PERSONAL,
        "key": PERSONAL,
    }

    class Meta:
        # The participant is in the index so that name searches read the index alone.
        indexes = [
            models.Index(
                fields=["organisation_id", "key", "participant"], name="namekey_org_key_person"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["participant", "key"], name="namekey_unique")
        ]

    def __str__(self) -> str:
        return str(self.pk)


class BlockingKey(models.Model):
    """One blocking key of a participant: the duplicate check finds its candidates through these.

    Written by ``people.blocking`` with every change to what the keys come from.
    """

    organisation_id = models.UUIDField()
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)

    data_classification: ClassVar[dict[str, Classification]] = {
        "id": PUBLIC,
        "organisation_id": PUBLIC,
        "participant": PERSONAL,
        "key": PERSONAL,
    }

    class Meta:
        # The participant is in the index so that a check reads the index alone.
        indexes = [
            models.Index(
                fields=["organisation_id", "key", "participant"], name="blockingkey_org_key_person"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["participant", "key"], name="blockingkey_unique")
        ]

    def __str__(self) -> str:
        return str(self.pk)


class IdentityDocument(BaseModel):
    """An identity document of a participant; several per person."""

    class Kind(models.TextChoices):
        DUI = "DUI", _("DUI (El Salvador)")
        CEDULA_CO = "CEDULA_CO", _("Cédula de ciudadanía (Colombia)")
        CEDULA_EC = "CEDULA_EC", _("Cédula de identidad (Ecuador)")
        PASSPORT = "PASSPORT", _("Passport")
        PPT = "PPT", _("PPT, Permiso por Protección Temporal (Colombia)")
        PEP = "PEP", _("PEP, Permiso Especial de Permanencia (Colombia)")
        VENEZUELAN_ID = "VENEZUELAN_ID", _("Cédula venezolana")
        OTHER = "OTHER", _("Other")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="documents")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of document"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=40)
    number_normalized = models.CharField(max_length=40, editable=False)
    issuing_country = CountryField(_("issuing country"), blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "participant": PERSONAL,
        "organisation": PUBLIC,
        "kind": PERSONAL,
        "number": PERSONAL,
        "number_normalized": PERSONAL,
        "issuing_country": PERSONAL,
        "expires_on": PERSONAL,
    }

    class Meta:
        ordering = ["kind", "number"]
        indexes = [
            models.Index(fields=["organisation", "number_normalized"], name="document_org_number")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "number_normalized"],
                name="document_once_per_organisation",
            )
        ]
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")

    def __str__(self) -> str:
        return self.get_kind_display()

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.organisation_id, data_subject_id=self.participant_id)


class Enrolment(BaseModel):
    """A participant taking part in a programme; what puts a person in front of its staff."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="enrolments"
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    enrolled_on = models.DateField(_("enrolled on"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "participant": PERSONAL,
        "programme": PERSONAL,
        "enrolled_on": PERSONAL,
    }

    class Meta:
        indexes = [models.Index(fields=["programme", "participant"], name="enrolment_programme")]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "programme"], name="one_enrolment_per_programme"
            )
        ]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"{self.participant_id} · {self.programme_id}"

    def audit_scope(self) -> AuditScope:
        return AuditScope(data_subject_id=self.participant_id)


class Consent(BaseModel):
    """What a participant agreed to: a purpose, the organisations it covers, and for how long."""

    class Purpose(models.TextChoices):
        REGISTRATION = "REGISTRATION", _("Registration and case management")
        REFERRAL = "REFERRAL", _("Referral to partner services")
        EMPLOYMENT = "EMPLOYMENT", _("Sharing with employers")
        FOLLOW_UP = "FOLLOW_UP", _("Follow-up surveys and monitoring")
        PHOTOS = "PHOTOS", _("Photographs and testimonies")

    class Method(models.TextChoices):
        SIGNED = "SIGNED", _("Signed form")
        VERBAL = "VERBAL", _("Verbal, witnessed")
        DIGITAL = "DIGITAL", _("Digital")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("organisations it covers"),
        blank=True,
        related_name="+",
    )
    method = models.CharField(_("how it was given"), max_length=8, choices=Method.choices)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "participant": PERSONAL,
        "purpose": PERSONAL,
        "organisations": PERSONAL,
        "method": PERSONAL,
        "given_on": PERSONAL,
        "expires_on": PERSONAL,
        "withdrawn_on": PERSONAL,
        "recorded_by": PUBLIC,
    }

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("given_on")),
                name="consent_expires_after_given",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return self.get_purpose_display()

    def audit_scope(self) -> AuditScope:
        return AuditScope(data_subject_id=self.participant_id)
