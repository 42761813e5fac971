"""Writes to programmes: an organisation's ADMIN creates and edits the programmes it leads."""

import datetime
from dataclasses import dataclass, fields
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arraigo.accounts.models import Organisation, User
from arraigo.core import audit
from arraigo.programmes.models import Programme


@dataclass(frozen=True)
class ProgrammeDetails:
    code: str
    name: str
    country: str
    starts_on: datetime.date
    description: str = ""
    donor: str = ""
    ends_on: datetime.date | None = None
    currency: str = "USD"
    budget: Decimal | None = None
    status: str = Programme.Status.ACTIVE


def _apply(programme: Programme, details: ProgrammeDetails) -> None:
    for detail in fields(details):
        setattr(programme, detail.name, getattr(details, detail.name))
    programme.code = details.code.strip().upper()
    programme.currency = details.currency.strip().upper()
    if programme.ends_on and programme.ends_on < programme.starts_on:
        raise ValidationError({"ends_on": _("A programme cannot end before it starts.")})


@transaction.atomic
def programme_create(
    *,
    organisation: Organisation,
    details: ProgrammeDetails,
    partners: list[Organisation],
    by: User,
    at: datetime.datetime,
) -> Programme:
    """Create a programme led by *organisation*.

    :raises ValidationError: keyed by field, e.g. a code already used or an end before the start.
    """
    programme = Programme(organisation=organisation)
    _apply(programme, details)
    programme.full_clean(exclude=["organisation"])
    programme.save(force_insert=True)
    programme.partners.set(partners)
    changes = audit.changes_between({}, programme)
    changes["partners"] = [None, sorted(str(p.pk) for p in partners)]
    audit.record(actor=by, action="programme.created", target=programme, at=at, changes=changes)
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    details: ProgrammeDetails,
    partners: list[Organisation],
    by: User,
    at: datetime.datetime,
) -> Programme:
    """Change a programme's details and partners.

    :raises ValidationError: keyed by field.
    """
    before = audit.snapshot(programme)
    old_partners = sorted(str(pk) for pk in programme.partners.values_list("pk", flat=True))
    _apply(programme, details)
    programme.full_clean()
    programme.save()
    programme.partners.set(partners)
    changes = audit.changes_between(before, programme)
    new_partners = sorted(str(p.pk) for p in partners)
    if new_partners != old_partners:
        changes["partners"] = [old_partners, new_partners]
    if changes:
        audit.record(actor=by, action="programme.updated", target=programme, at=at, changes=changes)
    return programme
