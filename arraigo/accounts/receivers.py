"""Sign-ins and failed sign-ins go to the audit log (Django sends these as signals)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from arraigo.accounts import services
from arraigo.accounts.models import User


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    services.record_sign_in(user=user, at=timezone.now())


@receiver(user_login_failed)
def _sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    email = credentials.get("email") or credentials.get("username") or ""
    user = User.objects.filter(email__iexact=email).first() if email else None
    services.record_failed_sign_in(user=user, at=timezone.now())
