"""The service directory, read-only: where a case's participant can be referred to."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from arraigo.accounts.permissions import CASE_ROLES, require_role
from arraigo.api.base import ApiView, ListView, validated_query
from arraigo.api.fields import DivisionField, EnumField
from arraigo.api.participants import PlaceSerializer
from arraigo.api.programmes import OrganisationRefSerializer
from arraigo.cases.permissions import access_case
from arraigo.core.models import AdministrativeDivision
from arraigo.referrals import selectors
from arraigo.referrals.models import Provider, Service
from arraigo.referrals.permissions import access_provider


class ServiceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    category = EnumField(Service.Category, enum_name="ServiceCategory")
    description = serializers.CharField()
    eligibility = serializers.CharField()
    is_active = serializers.BooleanField()


class ProviderSerializer(serializers.Serializer):
    """An entry of your organisation's service directory, with its services."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = EnumField(Provider.Kind, enum_name="ProviderKind")
    organisation = OrganisationRefSerializer(
        help_text=gettext_lazy("The organisation referrals and consents name.")
    )
    description = serializers.CharField()
    contact_person = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    address = serializers.CharField()
    opening_hours = serializers.CharField()
    is_active = serializers.BooleanField()
    municipalities = PlaceSerializer(many=True)
    services = ServiceSerializer(many=True)


class CaseProviderSerializer(ProviderSerializer):
    """A provider a case can be referred to, in the order the referral form offers them."""

    covers_participant = serializers.BooleanField(
        help_text=gettext_lazy("Whether it covers the participant's municipality.")
    )
    consent_in_force = serializers.BooleanField(
        help_text=gettext_lazy(
            "Whether a consent in force lets the participant's data go to it for referrals."
        )
    )


class DirectoryFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=gettext_lazy("Part of the name of the provider or of one of its services."),
    )
    category = EnumField(Service.Category, enum_name="ServiceCategory", required=False)
    municipality = DivisionField(
        level=AdministrativeDivision.Level.MUNICIPALITY,
        required=False,
        help_text=gettext_lazy("The code of a municipality the provider covers."),
    )


def _with_details(providers: QuerySet[Provider]) -> QuerySet[Provider]:
    # The directory's selectors prefetch services their own way; start again from nothing.
    return (
        providers.select_related("organisation")
        .prefetch_related(None)
        .prefetch_related(
            "municipalities",
            Prefetch("services", queryset=Service.objects.order_by("name", "id")),
        )
    )


class ProviderListView(ListView):
    """The providers of your organisation's service directory."""

    keyset_ordering = ["name", "id"]

    @extend_schema(
        operation_id="providers_list",
        summary="Your service directory, by name",
        parameters=[DirectoryFilterSerializer],
        responses=ProviderSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        require_role(self.user, CASE_ROLES)
        criteria = validated_query(DirectoryFilterSerializer, request).validated_data
        providers = selectors.search_providers(
            user=self.user,
            name=criteria.get("q", "").strip(),
            category=criteria.get("category", ""),
            municipality=criteria.get("municipality"),
        )
        return self.paginated(_with_details(providers), ProviderSerializer)


class ProviderDetailView(ApiView):
    """One provider of your service directory."""

    @extend_schema(
        operation_id="providers_retrieve",
        summary="A provider of your service directory",
        responses=ProviderSerializer,
    )
    def get(self, request: Request, pk: Any) -> Response:
        provider = access_provider(user=self.user, pk=pk)
        provider = _with_details(Provider.objects.filter(pk=provider.pk)).get()
        return Response(ProviderSerializer(provider).data)


class CaseProvidersView(ApiView):
    """Where a case's participant can be referred to."""

    @extend_schema(
        operation_id="cases_providers",
        summary="Active providers for a referral of this case, those covering the person first",
        responses=CaseProviderSerializer(many=True),
    )
    def get(self, request: Request, pk: Any) -> Response:
        case = access_case(user=self.user, pk=pk, action="change")
        consented = selectors.referral_consent_organisations(
            participant=case.participant, on=timezone.localdate()
        )
        providers = _with_details(selectors.providers_for_case(user=self.user, case=case))
        rows = [
            {
                **ProviderSerializer(provider).data,
                # Annotated by providers_for_case; the model does not declare it.
                "covers_participant": provider.covers_participant,  # type: ignore[attr-defined]
                "consent_in_force": provider.organisation_id in consented,
            }
            for provider in providers
        ]
        return Response(CaseProviderSerializer(rows, many=True).data)
