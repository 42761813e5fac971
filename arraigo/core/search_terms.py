"""Search terms kept out of URLs.

A name, a document number or a phone typed into a search box is personal data; in a URL it
would end up in server logs, browser history and the Referer header. The search form is
POSTed; the term is kept in the session under a short random token, and the results page's
URL carries only that token (``?s=…``), so it can still be reloaded, paginated and shared
with the back button.
"""

import copy
import secrets
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.http import urlencode

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


@dataclass(frozen=True)
class Search:
    """A search just POSTed from a list page."""

    token: str  # stands for the term; "" when the box was emptied
    url: str  # the list page that shows its results


def posted(request: HttpRequest, form: forms.Form, *, list_url: str) -> Search:
    """Remember the term of the search *form* POSTed to the list page *list_url*; say where
    its results are.

    The results keep the filters of the request's query string and start again at their first
    page; an empty term clears the search.
    """
    term = form.cleaned_data["q"].strip() if form.is_valid() else ""
    query = {
        key: value
        for key, value in request.GET.dict().items()
        if key not in {"s", "cursor"} and value
    }
    token = remember(request, term) if term else ""
    if token:
        query["s"] = token
    return Search(token=token, url=f"{list_url}?{urlencode(query)}" if query else list_url)


def first_page_of[R: HttpRequest](request: R, search: Search) -> R:
    """A copy of *request* that asks for the first page of *search*'s results.

    htmx swaps the results in place as the person types; rendered for this copy, their page
    links follow the new search instead of the one the page showed before. *request* itself
    is left as it came.
    """
    query = request.GET.copy()
    query.pop("cursor", None)
    query["s"] = search.token
    results = copy.copy(request)
    results.GET = QueryDict(query.urlencode())
    return results
