"""What every API view shares: who may use the API, how requests are read and answered."""

import datetime
from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import lacks_required_second_factor, role_of
from arraigo.api.authentication import ApiTokenAuthentication
from arraigo.api.pagination import KeysetPagination
from arraigo.api.schema import ApiSchema

# Roles that may use the API: staff who work with people and cases, and partner staff for the
# referrals sent to their organisation. Evaluators, monitoring staff and viewers work with
# scores, aggregates and reports, which the API does not serve yet.
API_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.CASEWORKER, Role.PSYCHOSOCIAL, Role.PARTNER})


def may_use_api(user: Any) -> bool:
    return role_of(user) in API_ROLES


class UsesApi(BasePermission):
    """Only members whose role uses the API; for anyone else the API does not exist (404)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not may_use_api(request.user):
            raise exceptions.NotFound
        if lacks_required_second_factor(request.user):
            # A token must not outlive the second factor an ADMIN is required to keep.
            raise exceptions.PermissionDenied(
                _("Administrators must set up a second factor before using the API.")
            )
        return True


def _is_unstorable(char: str) -> bool:
    # Half of a UTF-16 pair cannot be encoded; PostgreSQL text cannot hold the NUL character.
    return char == "\x00" or "\ud800" <= char <= "\udfff"


def _has_unstorable_text(data: Any) -> bool:
    """Whether any string in *data* (keys included) holds a character no database can store."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if any(_is_unstorable(char) for char in value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


class StrictJSONParser(JSONParser):
    """JSON only. Text that cannot be stored (lone surrogates, NUL characters) and bodies nested
    too deeply to read are refused like any other unreadable body."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_("The request is nested too deeply to read.")) from error
        if _has_unstorable_text(data):
            raise exceptions.ParseError(_("The request contains text that is not valid Unicode."))
        return data


class ApiView(APIView):
    """Base of every API view: token or session, JSON in and out, errors documented."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, UsesApi]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    schema = ApiSchema()

    @property
    def user(self) -> User:
        """The signed-in user (IsAuthenticated has already turned anyone else away)."""
        return cast(User, self.request.user)

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # DRF authenticates by itself (tokens included), so the site-wide "sign in first"
        # redirect must not run before it.
        return login_not_required(super().as_view(**initkwargs))


class ListView(ApiView):
    """An API view whose GET answers a keyset-paginated list."""

    pagination_class = KeysetPagination
    keyset_ordering: list[str] = ["-id"]

    def paginated(
        self,
        queryset: QuerySet[Any],
        serializer_class: type[serializers.BaseSerializer],
        *,
        shape: Callable[[list[Any]], list[Any]] | None = None,
    ) -> Response:
        """The page of *queryset* the request asks for, serialized with *serializer_class*.

        *shape* turns the page's rows into what the serializer reads, when that is not the rows
        themselves.
        """
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(queryset, self.request, view=self)
        items = rows if shape is None else shape(rows)
        data = serializer_class(items, many=True, context={"request": self.request}).data
        return paginator.get_paginated_response(data)


def validated[T: serializers.Serializer](
    serializer_class: type[T], request: Request, *, data: Any = None, **context: Any
) -> T:
    """The serializer for the request's body (or *data*), validated; 400 if it does not hold."""
    serializer = serializer_class(
        data=request.data if data is None else data,
        context={"request": request, **context},
    )
    serializer.is_valid(raise_exception=True)
    return serializer


def validated_query[T: serializers.Serializer](serializer_class: type[T], request: Request) -> T:
    serializer = serializer_class(data=request.query_params, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer


def age_on(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class NotFoundView(ApiView):
    """Any other address under the API: a JSON 404, like a record that does not exist.

    Malformed identifiers in a path (``/api/cases/not-a-uuid/``) land here too, so they get the
    API's answer rather than the HTML error page.
    """

    schema = None  # type: ignore[assignment]  # not an endpoint: left out of the schema
    permission_classes = [IsAuthenticated]

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound

    get = post = put = patch = delete = _not_found
