"""Writes of the API app: each user's own API token. Every change is in the audit log."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from arraigo.accounts.models import User
from arraigo.api.base import may_use_api
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.core.models import AuditEvent


class ApiNotForRole(ApplicationError):
    """Raised when a user whose role does not use the API asks for a token."""


class NoApiToken(ApplicationError):
    """Raised when a token is revoked that does not exist."""


@transaction.atomic
def api_token_issue(*, user: User, by: User, at: datetime.datetime) -> Token:
    """Give *user* a new API token, replacing (and so revoking) the one it had.

    The audit event names the user, never the token: the key must not be written anywhere else.

    :raises ApiNotForRole: if *user*'s role does not use the API.
    """
    if not may_use_api(user):
        raise ApiNotForRole(_("Your role does not use the API."))
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    audit.record(
        actor=by,
        action="api_token.regenerated" if replaced else "api_token.created",
        target=user,
        at=at,
        kind=AuditEvent.Kind.ACCESS,
    )
    return token


@transaction.atomic
def api_token_revoke(*, user: User, by: User, at: datetime.datetime) -> None:
    """Revoke *user*'s API token: requests made with it are refused from now on.

    :raises NoApiToken: if *user* has no token.
    """
    if Token.objects.filter(user=user).delete()[0] == 0:
        raise NoApiToken(_("You have no API token to revoke."))
    audit.record(
        actor=by, action="api_token.revoked", target=user, at=at, kind=AuditEvent.Kind.ACCESS
    )
