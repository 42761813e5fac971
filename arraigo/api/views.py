"""The page where a signed-in user creates, regenerates or revokes its own API token."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from arraigo.accounts.permissions import require_role
from arraigo.api import services
from arraigo.api.base import API_ROLES
from arraigo.api.models import ApiToken
from arraigo.core.errors import ApplicationError
from arraigo.core.http import AuthenticatedRequest


@require_http_methods(["GET", "POST"])
def api_token(request: AuthenticatedRequest) -> HttpResponse:
    """GET shows the user's token (when it was created, expires and was last used); POST
    ``issue`` or ``revoke`` changes it.

    A new key is shown once, in the answer to the POST that created it, and never again.
    """
    require_role(request.user, API_ROLES)
    user = request.user
    new_key = None
    now = timezone.now()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "issue":
                new_key = services.api_token_issue(user=user, by=user, at=now).key
            elif action == "revoke":
                services.api_token_revoke(user=user, by=user, at=now)
                messages.success(request, _("Your API token was revoked."))
                return redirect("api:token")
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("api:token")
    token = ApiToken.objects.filter(user=user).first()
    response = render(
        request,
        "api/token.html",
        {
            "token": token,
            "expired": token is not None and token.has_expired(now),
            "new_key": new_key,
        },
    )
    # The key is a password: keep the page that shows it out of every cache.
    response["Cache-Control"] = "no-store"
    return response
