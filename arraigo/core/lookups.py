"""The one way to load a record a user asked for: from its permission-scoped queryset, or 404."""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404


def get_or_404[T: models.Model](queryset: QuerySet[T], **lookup: object) -> T:
    """The single row of *queryset* matching *lookup*; Http404 if hidden, missing or malformed.

    A hidden record and a missing one answer the same, so nobody learns what exists elsewhere.
    """
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError) as error:
        raise Http404 from error
