"""Keyset pagination: every page costs the same, however deep, on tables of millions of rows.

A page is read after (or before) the last row seen, using the list's ordering, which must end
with a unique column so that no row is skipped or repeated. The cursor is opaque to users.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class Page[T: models.Model]:
    items: list[T]
    next_cursor: str | None
    previous_cursor: str | None


class InvalidCursor(ValueError):
    """The cursor was not produced by this list (tampered or from another ordering)."""


def _encode(direction: str, values: list[Any]) -> str:
    payload = json.dumps([direction, [str(value) for value in values]]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, list[str]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, TypeError) as error:
        raise InvalidCursor(cursor) from error
    if direction not in {"n", "p"} or not isinstance(values, list):
        raise InvalidCursor(cursor)
    if not all(isinstance(value, str) and "\x00" not in value for value in values):
        raise InvalidCursor(cursor)
    return direction, values


def _after(model: type[models.Model], ordering: list[str], raw: list[str], forward: bool) -> Q:
    """Rows strictly after the cursor row in *ordering* (or before it, going back)."""
    condition = Q()
    equal_so_far = Q()
    for name, raw_value in zip(ordering, raw, strict=True):
        descending = name.startswith("-")
        field_name = name.lstrip("-")
        field = model._meta.get_field(field_name)
        assert isinstance(field, models.Field), "a keyset ordering names columns"
        try:
            value = field.to_python(raw_value)
        except (ValidationError, ValueError) as error:
            raise InvalidCursor(raw_value) from error
        lookup = "lt" if descending == forward else "gt"
        condition |= equal_so_far & Q(**{f"{field_name}__{lookup}": value})
        equal_so_far &= Q(**{field_name: value})
    return condition


def _values(row: models.Model, ordering: list[str]) -> list[Any]:
    return [getattr(row, name.lstrip("-")) for name in ordering]


def _reverse(ordering: list[str]) -> list[str]:
    return [name[1:] if name.startswith("-") else f"-{name}" for name in ordering]


def keyset_page[T: models.Model](
    queryset: QuerySet[T],
    *,
    ordering: list[str],
    cursor: str | None = None,
    size: int = DEFAULT_PAGE_SIZE,
) -> Page[T]:
    """One page of *queryset* in *ordering*, starting from *cursor* (``None``: the first page).

    :raises InvalidCursor: if *cursor* cannot be read.
    """
    direction, raw = _decode(cursor) if cursor else ("n", [])
    if raw and len(raw) != len(ordering):
        raise InvalidCursor(cursor or "")
    forward = direction == "n"
    query = queryset.order_by(*(ordering if forward else _reverse(ordering)))
    if raw:
        query = query.filter(_after(queryset.model, ordering, raw, forward))
    rows = list(query[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return Page(items=[], next_cursor=None, previous_cursor=None)
    more_after = has_more if forward else bool(raw)
    more_before = bool(raw) if forward else has_more
    return Page(
        items=rows,
        next_cursor=_encode("n", _values(rows[-1], ordering)) if more_after else None,
        previous_cursor=_encode("p", _values(rows[0], ordering)) if more_before else None,
    )


def page_from_request[T: models.Model](
    request: HttpRequest,
    queryset: QuerySet[T],
    *,
    ordering: list[str],
    size: int = DEFAULT_PAGE_SIZE,
) -> Page[T]:
    """The page the request's ``cursor`` parameter asks for; Http404 for a forged cursor."""
    try:
        return keyset_page(queryset, ordering=ordering, cursor=request.GET.get("cursor"), size=size)
    except InvalidCursor as error:
        raise Http404 from error
