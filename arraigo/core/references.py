"""Short human references, e.g. ``SV-2026-000123``, to read out on the phone."""

from django.db import transaction

from arraigo.core.models import ReferenceSequence


@transaction.atomic
def next_reference(*, prefix: str, year: int, width: int = 6) -> str:
    """The next reference for *prefix* and *year*; unique even under concurrent registrations.

    The sequence row is locked (PostgreSQL) or the write lock held (SQLite, IMMEDIATE mode) until
    the registering transaction commits, so two registrations never get the same number.
    """
    key = f"{prefix}-{year}"
    sequence, _created = ReferenceSequence.objects.select_for_update().get_or_create(prefix=key)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{key}-{sequence.last_value:0{width}d}"
