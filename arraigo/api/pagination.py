"""Keyset pagination for the API, the same as the pages use (see core.pagination)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from arraigo.core.pagination import InvalidCursor, Page, keyset_page

MAX_PAGE_SIZE = 200
# What reading a forged cursor's values may raise, before any query runs.
UNREADABLE_CURSOR = (InvalidCursor, DjangoValidationError, ValueError, TypeError, AttributeError)


class KeysetPagination(BasePagination):
    """Pages follow ``view.keyset_ordering`` (default: newest first by id).

    ``page_size`` may ask for 1 to 200 rows; anything else is refused rather than ignored.
    """

    page_size = 50
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Ask for between 1 and %(max)s rows a page.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    # Keyset pages are read with filters on the ordering columns, so only a queryset will do
    # where DRF's other paginators also take a list.
    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        ordering = getattr(view, "keyset_ordering", ["-id"])
        self.request = request
        size = self._size(request)
        cursor = request.query_params.get(self.cursor_query_param) or None
        try:
            # Read the cursor against an empty set first: a forged one fails here, and an error
            # of the real query below is never mistaken for a bad link.
            keyset_page(queryset.none(), ordering=ordering, cursor=cursor, size=size)
        except UNREADABLE_CURSOR as error:
            # A cursor this list did not hand out (edited, or from another list).
            raise NotFound(
                _("This page link is not valid; start again from the first page.")
            ) from error
        self.page: Page[Any] = keyset_page(queryset, ordering=ordering, cursor=cursor, size=size)
        return self.page.items

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(
            remove_query_param(url, self.cursor_query_param), self.cursor_query_param, cursor
        )

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page to read, as handed out in ``next`` or ``previous``.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows a page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
