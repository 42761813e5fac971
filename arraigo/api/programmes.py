"""Programmes: the ones you work in."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from arraigo.api.base import ApiView, ListView
from arraigo.api.fields import EnumField
from arraigo.core.models import Country
from arraigo.programmes.models import Programme
from arraigo.programmes.permissions import access_programme, visible_programmes


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ProgrammeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    organisation = OrganisationRefSerializer()
    partners = OrganisationRefSerializer(many=True)
    country = EnumField(Country)
    donor = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    status = EnumField(Programme.Status)


def _listed(user: Any) -> Any:
    return visible_programmes(user).select_related("organisation").prefetch_related("partners")


class ProgrammeListView(ListView):
    """The programmes you work in (an ADMIN: every programme of its organisation)."""

    keyset_ordering = ["name", "id"]

    @extend_schema(
        operation_id="programmes_list",
        summary="Programmes you work in, by name",
        responses=ProgrammeSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.paginated(_listed(self.user), ProgrammeSerializer)


class ProgrammeDetailView(ApiView):
    """One programme."""

    @extend_schema(
        operation_id="programmes_retrieve",
        summary="A programme you work in",
        responses=ProgrammeSerializer,
    )
    def get(self, request: Request, pk: Any) -> Response:
        programme = access_programme(user=self.user, pk=pk)
        programme = _listed(self.user).get(pk=programme.pk)
        return Response(ProgrammeSerializer(programme).data)
