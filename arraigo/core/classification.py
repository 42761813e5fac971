"""Classification of every stored field: PUBLIC, PERSONAL or SENSITIVE.

Each model declares ``data_classification``, a mapping of field name to level; base classes
declare their own fields and ``classification_of`` merges them along the class hierarchy.
A test walks every model and fails on a field that is not classified, and on a SENSITIVE
field that is not encrypted.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    PUBLIC = "PUBLIC", _("Public")
    PERSONAL = "PERSONAL", _("Personal")
    SENSITIVE = "SENSITIVE", _("Sensitive")


PUBLIC = Classification.PUBLIC
PERSONAL = Classification.PERSONAL
SENSITIVE = Classification.SENSITIVE


def classification_of(model: type[models.Model]) -> dict[str, Classification]:
    """Every classified field of *model*, merged from the model and its abstract bases."""
    merged: dict[str, Classification] = {}
    for cls in reversed(model.__mro__):
        merged.update(cls.__dict__.get("data_classification", {}))
    return merged


def sensitive_fields(model: type[models.Model]) -> list[str]:
    return [name for name, level in classification_of(model).items() if level == SENSITIVE]
