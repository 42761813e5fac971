"""Search terms kept out of URLs.

A name, a document number or a phone typed into a search box is personal data; in a URL it
would end up in server logs, browser history and the Referer header. The search form is
POSTed; the term is kept in the session under a short random token, and the results page's
URL carries only that token (``?s=…``), so it can still be reloaded, paginated and shared
with the back button.
"""

import secrets

from django.http import HttpRequest

_SESSION_KEY = "search_terms"
_KEEP = 20  # the most recent searches a session remembers


def remember(request: HttpRequest, term: str) -> str:
    """Store *term* in the session and return the token that stands for it."""
    terms: dict[str, str] = request.session.get(_SESSION_KEY, {})
    token = secrets.token_urlsafe(6)
    terms[token] = term
    request.session[_SESSION_KEY] = dict(list(terms.items())[-_KEEP:])
    return token


def recall(request: HttpRequest, token: str | None) -> str:
    """The term stored under *token* in this session, or ``""``."""
    if not token:
        return ""
    return request.session.get(_SESSION_KEY, {}).get(token, "")
