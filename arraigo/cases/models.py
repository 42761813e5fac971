"""Cases: the support a participant receives in a programme, from intake to closure."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, SENSITIVE, Classification
from arraigo.core.encryption import EncryptedJSONField, EncryptedTextField
from arraigo.core.models import BaseModel
from arraigo.programmes.models import Programme


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
                    ~models.Q(status="CLOSED") & models.Q(closed_on__isnull=True, closure_reason="")
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


class NeedLevel(models.TextChoices):
    """How much support a person needs in one dimension."""

    NONE = "NONE", _("None")
    LOW = "LOW", _("Low")
    MEDIUM = "MEDIUM", _("Medium")
    HIGH = "HIGH", _("High")


class Dimension(models.TextChoices):
    """The three dimensions of sustainable reintegration."""

    ECONOMIC = "ECONOMIC", _("Economic")
    SOCIAL = "SOCIAL", _("Social")
    PSYCHOSOCIAL = "PSYCHOSOCIAL", _("Psychosocial")


class EconomicNeed(models.TextChoices):
    NO_INCOME = "NO_INCOME", _("No income")
    EMPLOYMENT = "EMPLOYMENT", _("Finding a job")
    SKILLS = "SKILLS", _("Vocational training or certification")
    BUSINESS = "BUSINESS", _("Starting or strengthening a business")
    CAPITAL = "CAPITAL", _("Capital, tools or stock for a business")
    DEBTS = "DEBTS", _("Debts (including for the migration)")
    FINANCIAL_SERVICES = "FINANCIAL_SERVICES", _("Bank account or financial services")
    BASIC_NEEDS = "BASIC_NEEDS", _("Food and basic needs")


class SocialNeed(models.TextChoices):
    HOUSING = "HOUSING", _("Housing")
    DOCUMENTS = "DOCUMENTS", _("Identity documents")
    HEALTH_CARE = "HEALTH_CARE", _("Health care")
    EDUCATION = "EDUCATION", _("Education (own or children's)")
    CHILDCARE = "CHILDCARE", _("Childcare")
    LEGAL_AID = "LEGAL_AID", _("Legal aid")
    FAMILY_REUNIFICATION = "FAMILY_REUNIFICATION", _("Family reunification")
    COMMUNITY_TIES = "COMMUNITY_TIES", _("Ties with the community")
    PROTECTION = "PROTECTION", _("Safety and protection")


class PsychosocialNeed(models.TextChoices):
    EMOTIONAL_SUPPORT = "EMOTIONAL_SUPPORT", _("Emotional support")
    TRAUMA = "TRAUMA", _("Experiences of violence or trauma")
    GRIEF = "GRIEF", _("Grief or loss")
    FAMILY_RELATIONS = "FAMILY_RELATIONS", _("Family relations")
    STIGMA = "STIGMA", _("Stigma or rejection on return")
    SUBSTANCE_USE = "SUBSTANCE_USE", _("Alcohol or drug use")
    SPECIALISED_CARE = "SPECIALISED_CARE", _("Specialised mental health care")


NEEDS_BY_DIMENSION: dict[str, type[models.TextChoices]] = {
    Dimension.ECONOMIC: EconomicNeed,
    Dimension.SOCIAL: SocialNeed,
    Dimension.PSYCHOSOCIAL: PsychosocialNeed,
}


class NeedsAssessment(BaseModel):
    """What a person needs, by dimension, as assessed on one day; a case has several over time."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="needs_assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    economic_level = models.CharField(_("economic needs"), max_length=8, choices=NeedLevel.choices)
    economic_needs = models.JSONField(_("economic needs identified"), default=list, blank=True)
    # Free text may name debts owed to dangerous people: encrypted even though not SENSITIVE.
    economic_notes = EncryptedTextField(_("economic notes"), blank=True)
    social_level = models.CharField(_("social needs"), max_length=8, choices=NeedLevel.choices)
    social_needs = models.JSONField(_("social needs identified"), default=list, blank=True)
    social_notes = EncryptedTextField(_("social notes"), blank=True)
    psychosocial_level = models.CharField(
        _("psychosocial needs"), max_length=8, choices=NeedLevel.choices
    )
    psychosocial_needs = EncryptedJSONField(
        _("psychosocial needs identified"), null=True, blank=True, default=list
    )
    psychosocial_notes = EncryptedTextField(_("psychosocial notes"), blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "case": PERSONAL,
        "assessed_on": PERSONAL,
        "assessed_by": PUBLIC,
        "economic_level": PERSONAL,
        "economic_needs": PERSONAL,
        "economic_notes": PERSONAL,
        "social_level": PERSONAL,
        "social_needs": PERSONAL,
        "social_notes": PERSONAL,
        "psychosocial_level": PERSONAL,
        "psychosocial_needs": SENSITIVE,
        "psychosocial_notes": SENSITIVE,
    }

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return _scope_of_case(self.case)


class VulnerabilityLevel(models.TextChoices):
    LOW = "LOW", _("Low")
    MEDIUM = "MEDIUM", _("Medium")
    HIGH = "HIGH", _("High")


class VulnerabilityCriterion(BaseModel):
    """One question of a programme's vulnerability screening and the weight of a yes."""

    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="vulnerability_criteria",
    )
    # Stored in the answers of every screening: never changed once created.
    code = models.CharField(_("code"), max_length=40)
    label_es = models.CharField(_("question (Spanish)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "programme": PUBLIC,
        "code": PUBLIC,
        "label_es": PUBLIC,
        "label_en": PUBLIC,
        "weight": PUBLIC,
        "order": PUBLIC,
        "is_active": PUBLIC,
    }

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"], name="vulnerability_criterion_code_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__lte=100), name="vulnerability_weight_at_most_100"
            ),
        ]
        verbose_name = _("vulnerability criterion")
        verbose_name_plural = _("vulnerability criteria")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return self.label_en if get_language() == "en" else self.label_es

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.programme.organisation_id)


class VulnerabilityThresholds(BaseModel):
    """The scores from which a programme's screening counts as medium and as high."""

    programme = models.OneToOneField(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="vulnerability_thresholds",
    )
    medium_from = models.PositiveSmallIntegerField(_("medium from score"))
    high_from = models.PositiveSmallIntegerField(_("high from score"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "programme": PUBLIC,
        "medium_from": PUBLIC,
        "high_from": PUBLIC,
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(medium_from__gte=1)
                & models.Q(high_from__gt=models.F("medium_from")),
                name="vulnerability_thresholds_ordered",
            )
        ]
        verbose_name = _("vulnerability thresholds")
        verbose_name_plural = _("vulnerability thresholds")

    def __str__(self) -> str:
        return f"{self.medium_from}/{self.high_from}"

    def level_of(self, score: int) -> str:
        if score >= self.high_from:
            return VulnerabilityLevel.HIGH
        if score >= self.medium_from:
            return VulnerabilityLevel.MEDIUM
        return VulnerabilityLevel.LOW

    def audit_scope(self) -> AuditScope:
        return AuditScope(organisation_id=self.programme.organisation_id)


class VulnerabilityScreening(BaseModel):
    """A screening against the programme's criteria: the answers, the score and the level."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="screenings"
    )
    screened_on = models.DateField(_("screened on"))
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("screened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # {criterion code: true/false}; may reveal violence or GBV risk, so encrypted.
    answers = EncryptedJSONField(_("answers"))
    # {criterion code: weight} when screened, so the score stays explainable after edits.
    weights = models.JSONField(_("weights used"), default=dict)
    score = models.PositiveSmallIntegerField(_("score"))
    level = models.CharField(_("level"), max_length=8, choices=VulnerabilityLevel.choices)

    data_classification: ClassVar[dict[str, Classification]] = {
        "case": PERSONAL,
        "screened_on": PERSONAL,
        "screened_by": PUBLIC,
        "answers": SENSITIVE,
        "weights": PUBLIC,
        "score": PERSONAL,
        "level": PERSONAL,
    }

    class Meta:
        ordering = ["-screened_on", "-id"]
        verbose_name = _("vulnerability screening")
        verbose_name_plural = _("vulnerability screenings")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return _scope_of_case(self.case)


class PlanGoal(BaseModel):
    """A goal of the reintegration plan, in one dimension."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="goals"
    )
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    description = models.CharField(_("goal"), max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "case": PERSONAL,
        "dimension": PERSONAL,
        "description": PERSONAL,
        "added_by": PUBLIC,
    }

    class Meta:
        ordering = ["id"]
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return _scope_of_case(self.case)


class PlanAction(BaseModel):
    """Something someone will do towards a goal, by a date."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        IN_PROGRESS = "IN_PROGRESS", _("In progress")
        DONE = "DONE", _("Done")
        CANCELLED = "CANCELLED", _("Cancelled")

    OPEN_STATUSES = (Status.PENDING, Status.IN_PROGRESS)

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="plan_actions"
    )
    goal = models.ForeignKey(
        PlanGoal, verbose_name=_("goal"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=500)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="plan_actions",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    data_classification: ClassVar[dict[str, Classification]] = {
        "case": PERSONAL,
        "goal": PERSONAL,
        "description": PERSONAL,
        "responsible": PUBLIC,
        "due_on": PERSONAL,
        "status": PERSONAL,
        "completed_on": PERSONAL,
        "added_by": PUBLIC,
    }

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["responsible", "status", "due_on"], name="plan_action_my_work"),
            models.Index(fields=["case", "status", "due_on"], name="plan_action_case_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="DONE", completed_on__isnull=False)
                | (~models.Q(status="DONE") & models.Q(completed_on__isnull=True)),
                name="done_plan_action_has_completion_date",
            )
        ]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return _scope_of_case(self.case)


class CaseNote(BaseModel):
    """A note on a case. RESTRICTED notes are read and written only by psychosocial staff."""

    class Sensitivity(models.TextChoices):
        STANDARD = "STANDARD", _("Standard")
        RESTRICTED = "RESTRICTED", _("Restricted (psychosocial staff only)")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes"
    )
    sensitivity = models.CharField(
        _("who may read it"),
        max_length=10,
        choices=Sensitivity.choices,
        default=Sensitivity.STANDARD,
    )
    body = EncryptedTextField(_("note"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written at"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "case": PERSONAL,
        "sensitivity": PERSONAL,
        "body": SENSITIVE,
        "written_by": PUBLIC,
        "written_at": PERSONAL,
    }

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["case", "-written_at", "-id"], name="case_note_recent")]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return str(self.pk)

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity == self.Sensitivity.RESTRICTED

    def audit_scope(self) -> AuditScope:
        return _scope_of_case(self.case)


def _scope_of_case(case: Case) -> AuditScope:
    return AuditScope(
        organisation_id=case.organisation_id,
        data_subject_id=case.participant_id,
        case_id=case.pk,
    )


# (code, Spanish, English, weight): the set a programme starts with; its managers adapt it.
DEFAULT_CRITERIA: tuple[tuple[str, str, str, int], ...] = (
    ("WOMAN_HEAD_OF_HOUSEHOLD", "Mujer jefa de hogar", "Woman head of household", 2),
    (
        "DEPENDANTS_UNDER_18",
        "Tiene personas dependientes menores de 18 años",
        "Has dependants under 18",
        1,
    ),
    ("DISABILITY", "Persona con discapacidad", "Person with a disability", 2),
    ("CHRONIC_ILLNESS", "Enfermedad crónica", "Chronic illness", 2),
    ("NO_INCOME", "Sin ingresos", "No income", 2),
    ("THREATS_OR_VIOLENCE", "Amenazas o violencia al retornar", "Threats or violence on return", 3),
    ("GBV_RISK", "Riesgo de violencia basada en género", "Risk of gender-based violence", 3),
    ("NO_HOUSING", "Sin vivienda", "No housing", 2),
    ("RECENTLY_RETURNED", "Retornó hace menos de 3 meses", "Returned less than 3 months ago", 1),
)
DEFAULT_MEDIUM_FROM = 4
DEFAULT_HIGH_FROM = 8


def default_criteria(programme: Programme) -> list[VulnerabilityCriterion]:
    """The default criteria of *programme*, not saved: shown until its managers save their own."""
    return [
        VulnerabilityCriterion(
            programme=programme,
            code=code,
            label_es=label_es,
            label_en=label_en,
            weight=weight,
            order=order * 10,
            is_active=True,
        )
        for order, (code, label_es, label_en, weight) in enumerate(DEFAULT_CRITERIA, start=1)
    ]
