"""How a request shows it comes from a user's API token: ``Authorization: Token <key>``."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from arraigo.api.models import ApiToken, digest_of


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token header and 401 answer, checked against Arraigo's hashed, expiring tokens."""

    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        try:
            token = ApiToken.objects.select_related("user").get(digest=digest_of(key))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.has_expired(now):
            raise exceptions.AuthenticationFailed(
                _("This API token has expired. Create a new one on your API token page.")
            )
        today = timezone.localdate(now)
        if token.last_used_on != today:
            # A usage stamp, not a change anyone made: it is not audited, and it is written with
            # a bare UPDATE at most once a day so that reading the API does not write each time.
            ApiToken.objects.filter(pk=token.pk).update(last_used_on=today)
            token.last_used_on = today
        return token.user, token
