"""API keys for tests of what a token opens, made without the token service.

The service (tested in test_tokens.py) refuses roles without the API and writes an audit event;
tests of other endpoints need tokens for every role and an audit log holding only their own
events, so this helper saves the token the model makes, as the service does, without either.
"""

import datetime

from django.utils import timezone

from arraigo.accounts.models import User
from arraigo.api.models import ApiToken


def issue_api_key(user: User, *, at: datetime.datetime | None = None) -> str:
    """A new key for *user*, replacing any token it had, created at *at* (now by default)."""
    ApiToken.objects.filter(user=user).delete()
    token, key = ApiToken.with_new_key(user, at=at or timezone.now())
    token.save()
    return key
