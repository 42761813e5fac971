"""Writes about users and memberships: only an organisation's ADMIN manages its team."""

import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arraigo.accounts.models import Membership, Organisation, Role, User
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.programmes.models import Programme, StaffAssignment


class EmailTaken(ApplicationError):
    """Raised when a new member's e-mail already signs in to Arraigo."""


class CannotChangeOwnAccess(ApplicationError):
    """Raised when an ADMIN would lock itself out: demote or deactivate its own account."""


def _set_programmes(
    *, membership: Membership, programmes: list[Programme], by: User, at: datetime.datetime
) -> None:
    wanted = {programme.pk for programme in programmes}
    current = set(membership.assignments.values_list("programme_id", flat=True))
    if wanted == current:
        return
    membership.assignments.exclude(programme_id__in=wanted).delete()
    StaffAssignment.objects.bulk_create(
        StaffAssignment(membership=membership, programme_id=pk) for pk in wanted - current
    )
    audit.record(
        actor=by,
        action="membership.programmes_changed",
        target=membership,
        at=at,
        changes={"programmes": [sorted(map(str, current)), sorted(map(str, wanted))]},
    )


@transaction.atomic
def member_create(
    *,
    organisation: Organisation,
    email: str,
    full_name: str,
    role: str,
    password: str,
    programmes: list[Programme],
    by: User,
    at: datetime.datetime,
) -> Membership:
    """Create a user account in *organisation* with *role*, working in *programmes*.

    :raises EmailTaken: if the e-mail already signs in.
    :raises ValidationError: if the password is too weak (keyed ``password``).
    """
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(_("Someone already signs in with this e-mail."), field="email")
    user = User(email=email, full_name=full_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.save()
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    audit.record(
        actor=by,
        action="membership.created",
        target=membership,
        at=at,
        changes={"email": [None, email], "role": [None, role]},
    )
    _set_programmes(membership=membership, programmes=programmes, by=by, at=at)
    return membership


@transaction.atomic
def member_update(
    *,
    membership: Membership,
    full_name: str,
    email: str,
    role: str,
    programmes: list[Programme],
    by: User,
    at: datetime.datetime,
) -> Membership:
    """Change a member's name, e-mail, role and programmes.

    :raises CannotChangeOwnAccess: if an ADMIN would take away its own administrator role.
    :raises EmailTaken: if the new e-mail belongs to another account.
    """
    if membership.user_id == by.pk and role != Role.ADMIN:
        raise CannotChangeOwnAccess(
            _("You cannot remove your own administrator role; ask another administrator."),
            field="role",
        )
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exclude(pk=membership.user_id).exists():
        raise EmailTaken(_("Someone already signs in with this e-mail."), field="email")
    user = membership.user
    changes: dict[str, list[str]] = {}
    for name, old, new in (
        ("full_name", user.full_name, full_name.strip()),
        ("email", user.email, email),
        ("role", membership.role, role),
    ):
        if old != new:
            changes[name] = [old, new]
    user.full_name, user.email = full_name.strip(), email
    user.save(update_fields=["full_name", "email"])
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    if changes:
        audit.record(
            actor=by, action="membership.updated", target=membership, at=at, changes=changes
        )
    _set_programmes(membership=membership, programmes=programmes, by=by, at=at)
    return membership


@transaction.atomic
def member_set_active(
    *, membership: Membership, active: bool, by: User, at: datetime.datetime
) -> Membership:
    """Let a member sign in again, or stop them (their records and history stay).

    :raises CannotChangeOwnAccess: if an ADMIN would deactivate itself.
    """
    if membership.user_id == by.pk and not active:
        raise CannotChangeOwnAccess(_("You cannot deactivate your own account."))
    user = membership.user
    if user.is_active == active:
        return membership
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        action="membership.activated" if active else "membership.deactivated",
        target=membership,
        at=at,
        changes={"is_active": [not active, active]},
    )
    return membership


def record_sign_in(*, user: User, at: datetime.datetime) -> None:
    audit.record(actor=user, action="user.signed_in", target=user, at=at, kind="ACCESS")


def record_failed_sign_in(*, user: User | None, at: datetime.datetime) -> None:
    """A failed attempt on an existing account (unknown e-mails are not recorded)."""
    if user is not None:
        audit.record(actor=None, action="user.sign_in_failed", target=user, at=at, kind="ACCESS")
