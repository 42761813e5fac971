"""Each user's API token, kept as a hash so that a copy of the database opens nothing."""

import datetime
import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arraigo.core.classification import PERSONAL, PUBLIC, Classification
from arraigo.core.models import BaseModel


def digest_of(key: str) -> str:
    """The SHA-256 of *key*, in hex: what is stored and looked up instead of the key."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(BaseModel):
    """A user's API token: only the digest of its key is stored, and it expires."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_token",
    )
    # A key is 32 random bytes, so a plain SHA-256 is enough: there is nothing to guess that a
    # slow, salted hash would protect, and each request can look its token up by the digest.
    digest = models.CharField(_("digest of the key"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_on = models.DateField(_("last used on"), null=True, blank=True)

    data_classification: ClassVar[dict[str, Classification]] = {
        "user": PUBLIC,
        # One-way: the key cannot be read back from it, so there is nothing to encrypt; but it
        # belongs to one person's credential, so it is not public either.
        "digest": PERSONAL,
        "expires_at": PUBLIC,
        "last_used_on": PERSONAL,
    }

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return str(self.pk)

    @classmethod
    def with_new_key(cls, user: Any, *, at: datetime.datetime) -> tuple["ApiToken", str]:
        """An unsaved token for *user* working ``ARRAIGO_API_TOKEN_DAYS`` days from *at*, and
        its key: the only place the key exists, to be shown once."""
        key = secrets.token_urlsafe(32)
        token = cls(
            user=user,
            digest=digest_of(key),
            expires_at=at + datetime.timedelta(days=settings.ARRAIGO_API_TOKEN_DAYS),
        )
        return token, key

    def has_expired(self, at: datetime.datetime) -> bool:
        return self.expires_at <= at
