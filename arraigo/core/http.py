"""The request as views see it.

``LoginRequiredMiddleware`` sends anyone not signed in to the sign-in page before a view runs
(views that let them through are marked ``login_not_required`` and keep ``HttpRequest``), and
``HtmxMiddleware`` sets ``request.htmx`` on every request. Views annotate their request with
``AuthenticatedRequest`` so the type checker knows both.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from arraigo.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
