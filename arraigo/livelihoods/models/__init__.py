"""Seed capital: calls and selection, business plans, committee, awards and follow-up.

Split by topic; every model is importable from ``arraigo.livelihoods.models``.
"""

from arraigo.livelihoods.models.awards import (
    Award,
    Delivery,
    DeliveryEvidence,
    DeliveryLine,
    OwnContribution,
    PurchaseOrder,
    PurchaseOrderLine,
    Tranche,
)
from arraigo.livelihoods.models.committee import (
    DEFAULT_RUBRIC,
    Evaluation,
    EvaluationScore,
    EvaluatorAssignment,
    RubricCriterion,
)
from arraigo.livelihoods.models.followup import (
    DEFAULT_VISIT_MONTHS,
    FollowUpSettings,
    FollowUpVisit,
)
from arraigo.livelihoods.models.plans import CANVAS_FIELDS, BudgetLine, BusinessPlan
from arraigo.livelihoods.models.selection import (
    Application,
    Call,
    EligibilityRule,
    PriorityCriterion,
    Quota,
    case_of,
)

__all__ = [
    "CANVAS_FIELDS",
    "DEFAULT_RUBRIC",
    "DEFAULT_VISIT_MONTHS",
    "Application",
    "Award",
    "BudgetLine",
    "BusinessPlan",
    "Call",
    "Delivery",
    "DeliveryEvidence",
    "DeliveryLine",
    "EligibilityRule",
    "Evaluation",
    "EvaluationScore",
    "EvaluatorAssignment",
    "FollowUpSettings",
    "FollowUpVisit",
    "OwnContribution",
    "PriorityCriterion",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Quota",
    "RubricCriterion",
    "Tranche",
    "case_of",
]
