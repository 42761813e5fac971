"""API keys for tests of what a token opens, made without the token service.

The service (tested in test_tokens.py) refuses roles without the API and writes an audit event;
tests of other endpoints need tokens for every role and an audit log holding only their own
events, so this helper stores a token row directly, the way the service stores one.
"""

import datetime
import secrets

from django.conf import settings
from django.utils import timezone

from arraigo.accounts.models import User
from arraigo.api.models import ApiToken, digest_of


def issue_api_key(user: User, *, at: datetime.datetime | None = None) -> str:
    """A new key for *user*, replacing any token it had, created at *at* (now by default)."""
    key = secrets.token_urlsafe(32)
    created = at or timezone.now()
    ApiToken.objects.update_or_create(
        user=user,
        defaults={
            "digest": digest_of(key),
            "expires_at": created + datetime.timedelta(days=settings.ARRAIGO_API_TOKEN_DAYS),
            "last_used_on": None,
        },
    )
    return key
