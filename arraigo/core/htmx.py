"""htmx helpers: the same view answers a full page or, for htmx, one named partial of it."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from arraigo.core.http import AuthenticatedRequest


def render_page(
    request: AuthenticatedRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render *template*; for an htmx request, only its ``{% partialdef partial %}``."""
    name = f"{template}#{partial}" if partial and request.htmx else template
    return render(request, name, context, status=status)
