"""The audit log: every write, every read of SENSITIVE data and every export is recorded here.

Services call ``record`` (or ``record_created``, or ``save_fields`` for a change of a few
fields) inside their transaction, so the event exists exactly when the change does. A model
tells the log which person and case an event concerns by defining ``audit_scope()``; the case
timeline and "who touched this person's data" both read from it.
"""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from arraigo.core.classification import sensitive_fields
from arraigo.core.models import AuditEvent

REDACTED = "[sensitive]"


@dataclass(frozen=True)
class AuditScope:
    """Which organisation owns the record, which person it is about and on which case it shows."""

    organisation_id: Any = None
    data_subject_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The stored values of *instance*'s concrete fields, in a JSON-friendly form."""
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in {"created_at", "updated_at"}
    }


def changes_between(before: dict[str, Any], after: models.Model) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for each field that differs; SENSITIVE values are redacted.

    Pass an empty *before* for a new record: every field with a value is then listed.
    """
    attnames = {field.name: field.attname for field in after._meta.concrete_fields}
    sensitive = {attnames.get(name, name) for name in sensitive_fields(type(after))}
    changed: dict[str, list[Any]] = {}
    for name, new in snapshot(after).items():
        old = before.get(name)
        if old == new or (not before and new in (None, "", [], {})):
            continue
        changed[name] = [REDACTED, REDACTED] if name in sensitive else [old, new]
    return changed


def _scope_of(target: Any) -> AuditScope:
    scope_of = getattr(target, "audit_scope", None)
    return scope_of() if scope_of else AuditScope()


def _organisation_of(actor: Any, scope: AuditScope) -> Any:
    if scope.organisation_id is not None:
        return scope.organisation_id
    membership = getattr(actor, "membership", None) if actor is not None else None
    return membership.organisation_id if membership is not None else None


def _event(
    *,
    actor: Any,
    action: str,
    target: Any,
    at: datetime.datetime,
    kind: str,
    changes: dict[str, Any] | None,
) -> AuditEvent:
    scope = _scope_of(target)
    return AuditEvent(
        at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation_id=_organisation_of(actor, scope),
        kind=kind,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data_subject_id=scope.data_subject_id,
        case_id=scope.case_id,
        changes=changes or None,
    )


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    at: datetime.datetime,
    changes: dict[str, Any] | None = None,
    kind: str = AuditEvent.Kind.WRITE,
) -> AuditEvent:
    """Write one audit event. Call it inside the service's transaction."""
    event = _event(actor=actor, action=action, target=target, at=at, kind=kind, changes=changes)
    event.save(force_insert=True)
    return event


def record_created(
    *, actor: Any, action: str, target: models.Model, at: datetime.datetime
) -> AuditEvent:
    """Write the event of *target*'s creation, listing every field it was given a value."""
    return record(
        actor=actor, action=action, target=target, at=at, changes=changes_between({}, target)
    )


def save_fields(
    target: models.Model,
    values: dict[str, Any],
    *,
    actor: Any,
    action: str,
    at: datetime.datetime,
) -> AuditEvent:
    """Set *values* on *target*, save those fields alone and record the change as *action*."""
    before = snapshot(target)
    for name, value in values.items():
        setattr(target, name, value)
    target.save(update_fields=[*values, "updated_at"])
    return record(
        actor=actor, action=action, target=target, at=at, changes=changes_between(before, target)
    )


def record_reads(
    *, actor: Any, action: str, targets: Iterable[models.Model], at: datetime.datetime
) -> int:
    """Record that *actor* read the SENSITIVE content of each of *targets*; returns the count."""
    events = [
        _event(
            actor=actor,
            action=action,
            target=target,
            at=at,
            kind=AuditEvent.Kind.READ,
            changes=None,
        )
        for target in targets
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)
