"""An ADMIN must protect its account with a second factor before doing anything else."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from arraigo.accounts.permissions import lacks_required_second_factor

# Pages an ADMIN without a second factor may still open: setting one up, and leaving. The API
# refuses such an ADMIN itself, with an answer a program can read.
_ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/health/", "/api/")


class AdminSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up_second_factor(request):
            messages.warning(
                request,
                _("Administrators must use a second factor. Set up an authenticator app to go on."),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _must_set_up_second_factor(request: HttpRequest) -> bool:
        if request.path.startswith(_ALLOWED_PREFIXES):
            return False
        return lacks_required_second_factor(request.user)
