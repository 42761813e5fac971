"""Writes of the API app: each user's own API token. Every change is in the audit log."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from arraigo.accounts.models import User
from arraigo.api.base import may_use_api
from arraigo.api.models import ApiToken
from arraigo.core import audit
from arraigo.core.errors import ApplicationError
from arraigo.core.models import AuditEvent


class ApiNotForRole(ApplicationError):
    """Raised when a user whose role does not use the API asks for a token."""


class NoApiToken(ApplicationError):
    """Raised when a token is revoked that does not exist."""


@dataclass(frozen=True)
class IssuedToken:
    """A token just created, and its key: the only time the key exists outside the request."""

    token: ApiToken
    key: str


@transaction.atomic
def api_token_issue(*, user: User, by: User, at: datetime.datetime) -> IssuedToken:
    """Give *user* a new API token, replacing (and so revoking) the one it had.

    Only the digest of the key is stored; the key is returned to be shown once. The token works
    for ``ARRAIGO_API_TOKEN_DAYS`` days from *at*. The audit event names the user, never the key
    or its digest.

    :raises ApiNotForRole: if *user*'s role does not use the API.
    """
    if not may_use_api(user):
        raise ApiNotForRole(_("Your role does not use the API."))
    replaced = ApiToken.objects.filter(user=user).delete()[0] > 0
    token, key = ApiToken.with_new_key(user, at=at)
    token.full_clean()
    token.save()
    audit.record(
        actor=by,
        action="api_token.regenerated" if replaced else "api_token.created",
        target=user,
        at=at,
        kind=AuditEvent.Kind.ACCESS,
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, user: User, by: User, at: datetime.datetime) -> None:
    """Revoke *user*'s API token: requests made with it are refused from now on.

    :raises NoApiToken: if *user* has no token.
    """
    if ApiToken.objects.filter(user=user).delete()[0] == 0:
        raise NoApiToken(_("You have no API token to revoke."))
    audit.record(
        actor=by, action="api_token.revoked", target=user, at=at, kind=AuditEvent.Kind.ACCESS
    )
