"""The committee: a rubric per call, evaluators assigned to plans, and their scores."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from arraigo.core.audit import AuditScope
from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.models import BaseModel
from arraigo.livelihoods.models.plans import BusinessPlan
from arraigo.livelihoods.models.selection import CallConfiguration

# (code, Spanish, English, weight): the rubric a call starts with; its managers adapt it.
DEFAULT_RUBRIC: tuple[tuple[str, str, str, int], ...] = (
    ("MARKET", "Mercado y clientes", "Market and customers", 25),
    ("VIABILITY", "Viabilidad económica", "Economic viability", 20),
    ("EXPERIENCE", "Experiencia en el oficio", "Experience in the trade", 20),
    ("BUDGET", "Presupuesto coherente", "A coherent budget", 15),
    ("COMMITMENT", "Compromiso de la persona", "The person's commitment", 10),
    ("RISK", "Riesgos y cómo enfrentarlos", "Risks and how to face them", 10),
)


class RubricCriterion(CallConfiguration):
    """A criterion the committee scores each plan on, and its weight in the final score."""

    code = models.CharField(_("code"), max_length=40)
    label_es = models.CharField(_("criterion (Spanish)"), max_length=200)
    label_en = models.CharField(_("criterion (English)"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "code": PUBLIC,
        "label_es": PUBLIC,
        "label_en": PUBLIC,
        "weight": PUBLIC,
    }

    class Meta:
        ordering = ["order", "code"]
        default_related_name = "rubric"
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="rubric_code_per_call"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="rubric_weight_in_range"
            ),
        ]
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return self.label_en if get_language() == "en" else self.label_es


class EvaluatorAssignment(BaseModel):
    """An evaluator asked to score a plan; it declares any conflict of interest first."""

    plan = models.ForeignKey(
        BusinessPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="assignments"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="plan_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    conflict_declared_at = models.DateTimeField(
        _("conflict of interest declared at"), null=True, blank=True
    )
    # None until declared; True means the evaluator stands aside for this plan.
    has_conflict = models.BooleanField(_("has a conflict of interest"), null=True, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "plan": PERSONAL,
        "evaluator": PUBLIC,
        "assigned_by": PUBLIC,
        "assigned_at": PUBLIC,
        "conflict_declared_at": PUBLIC,
        "has_conflict": PUBLIC,
    }

    class Meta:
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["evaluator", "-assigned_at"], name="assignment_queue")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "evaluator"], name="evaluator_once_per_plan"),
            models.CheckConstraint(
                condition=Q(has_conflict__isnull=True, conflict_declared_at__isnull=True)
                | Q(has_conflict__isnull=False, conflict_declared_at__isnull=False),
                name="conflict_declared_with_date",
            ),
        ]
        verbose_name = _("evaluator assignment")
        verbose_name_plural = _("evaluator assignments")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.plan.audit_scope()


class Evaluation(BaseModel):
    """One evaluator's scores of one plan, submitted once and never changed."""

    assignment = models.OneToOneField(
        EvaluatorAssignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="evaluation",
    )
    plan = models.ForeignKey(
        BusinessPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="evaluations"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    # Weighted score out of 100, computed from the criterion scores.
    total = models.DecimalField(_("score out of 100"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "assignment": PERSONAL,
        "plan": PERSONAL,
        "evaluator": PUBLIC,
        "submitted_at": PERSONAL,
        "total": PERSONAL,
        "comment": PERSONAL,
    }

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "evaluator"], name="one_evaluation_per_plan"),
            models.CheckConstraint(
                condition=Q(total__gte=0, total__lte=100), name="evaluation_total_percent"
            ),
        ]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.plan.audit_scope()


class EvaluationScore(BaseModel):
    """The score an evaluation gives on one rubric criterion, with the weight it had."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        RubricCriterion,
        verbose_name=_("criterion"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    score = models.PositiveSmallIntegerField(_("score"))

    data_classification: ClassVar[dict[str, Classification]] = {
        "evaluation": PERSONAL,
        "criterion": PUBLIC,
        "score": PERSONAL,
    }

    class Meta:
        ordering = ["criterion__order", "criterion__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="one_score_per_criterion"
            )
        ]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")

    def __str__(self) -> str:
        return str(self.pk)

    def audit_scope(self) -> AuditScope:
        return self.evaluation.audit_scope()
