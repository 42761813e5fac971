"""Referrals: staff send them and follow them; partner staff answer the ones sent to them.

Partner staff get the minimum a provider needs (name, sex, age, phone, municipality, the reason,
the urgency and the dates), never documents, address or notes, as on the referral pages.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from arraigo.accounts.models import Role, User
from arraigo.accounts.permissions import CASE_ROLES, require_role, role_of
from arraigo.api.base import ApiView, ListView, age_on, validated, validated_query
from arraigo.api.cases import ParticipantRefSerializer
from arraigo.api.fields import EnumField, RecordField
from arraigo.cases.models import Case
from arraigo.cases.permissions import access_case, visible_cases
from arraigo.people.models import Sex
from arraigo.programmes.permissions import visible_programmes
from arraigo.referrals import actions, selectors, services
from arraigo.referrals.actions import ReferralAction
from arraigo.referrals.models import Provider, Referral, ReferralQuerySet, Service
from arraigo.referrals.permissions import access_referral, visible_providers

LIST_ROLES = CASE_ROLES | {Role.PARTNER}
OPEN = "OPEN"
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 4000


def _is_partner(user: User) -> bool:
    return role_of(user) == Role.PARTNER


# --- Output -----------------------------------------------------------------------------------


class ServiceRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    category = EnumField(Service.Category, enum_name="ServiceCategory")


class ProviderRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ReferredPersonSerializer(serializers.Serializer):
    """The least a provider needs to serve the person; nothing else about them is shared."""

    full_name = serializers.CharField()
    sex = EnumField(Sex)
    age = serializers.IntegerField()
    phone = serializers.CharField()
    municipality = serializers.CharField()


class _ReferralDates(serializers.Serializer):
    reference = serializers.CharField()
    id = serializers.UUIDField()
    status = EnumField(Referral.Status)
    urgency = EnumField(Referral.Urgency)
    sent_at = serializers.DateTimeField()
    answer_due_on = serializers.DateField()
    responded_at = serializers.DateTimeField(allow_null=True)
    follow_up_on = serializers.DateField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    decline_reason = EnumField(Referral.DeclineReason, allow_blank=True)
    outcome = EnumField(Referral.Outcome, allow_blank=True)
    due_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The next date the provider owes an answer or a report."),
    )
    is_overdue = serializers.BooleanField()


class PartnerReferralListItemSerializer(_ReferralDates):
    """A referral received, as partner staff see it in their list."""

    service = ServiceRefSerializer()
    referred_by = serializers.CharField(
        help_text=gettext_lazy("The organisation that sent the referral.")
    )
    person = ReferredPersonSerializer()


class PartnerReferralSerializer(PartnerReferralListItemSerializer):
    """A referral received, with its reason (reading it is audited)."""

    reason = serializers.CharField()


class ReferralListItemSerializer(_ReferralDates):
    """A referral sent, as staff see it in their list."""

    case = serializers.UUIDField()
    participant = ParticipantRefSerializer()
    provider = ProviderRefSerializer()
    service = ServiceRefSerializer()


class ConsentRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    given_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    withdrawn_on = serializers.DateField(allow_null=True)


class ReferralSerializer(ReferralListItemSerializer):
    """A referral sent, whole; reading its reason and notes is audited."""

    reason = serializers.CharField()
    consent = ConsentRefSerializer()
    answer_note = serializers.CharField()
    outcome_note = serializers.CharField()
    cancellation_note = serializers.CharField()


class ReferralStatusSerializer(serializers.Serializer):
    """Where a referral stands after an action."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    status = EnumField(Referral.Status)
    responded_at = serializers.DateTimeField(allow_null=True)
    follow_up_on = serializers.DateField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    decline_reason = EnumField(Referral.DeclineReason, allow_blank=True)
    outcome = EnumField(Referral.Outcome, allow_blank=True)


REFERRAL_DETAIL = PolymorphicProxySerializer(
    component_name="ReferralDetail",
    serializers=[ReferralSerializer, PartnerReferralSerializer],
    resource_type_field_name=None,
)


# --- Input ------------------------------------------------------------------------------------


class ReferralFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(OPEN, OPEN), *Referral.Status.choices],
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("A status, or OPEN for sent or accepted."),
    )
    overdue = serializers.BooleanField(required=False, default=False)
    programme = RecordField(
        choices=lambda context: visible_programmes(context["request"].user),
        required=False,
        does_not_exist=gettext_lazy("Choose one of the programmes you work in."),
    )
    case = RecordField(
        choices=lambda context: visible_cases(context["request"].user),
        required=False,
        does_not_exist=gettext_lazy("Choose a case you can see."),
    )


def _case_providers(context: Mapping[str, Any]) -> QuerySet[Provider]:
    return visible_providers(context["request"].user)


def _services(context: Mapping[str, Any]) -> QuerySet[Service]:
    return Service.objects.filter(provider__in=visible_providers(context["request"].user))


class ReferralSendSerializer(serializers.Serializer):
    case = RecordField(
        choices=lambda context: visible_cases(context["request"].user),
        does_not_exist=gettext_lazy("Choose a case you can see."),
    )
    provider = RecordField(
        choices=_case_providers,
        does_not_exist=gettext_lazy("Choose a provider of your service directory."),
    )
    service = RecordField(
        choices=_services,
        does_not_exist=gettext_lazy("Choose a service of the provider."),
    )
    urgency = EnumField(Referral.Urgency, required=False, default=Referral.Urgency.ROUTINE)
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy(
            "What the person needs and what the provider should know. The provider reads this."
        ),
    )


class AcceptSerializer(serializers.Serializer):
    follow_up_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("When you will report back; if empty, 30 days from today."),
    )
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class DeclineSerializer(serializers.Serializer):
    decline_reason = EnumField(Referral.DeclineReason)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required for OTHER."),
    )


class CompleteSerializer(serializers.Serializer):
    outcome = EnumField(Referral.Outcome)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, help_text=gettext_lazy("What was done.")
    )


class CancelSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, help_text=gettext_lazy("Why it is cancelled.")
    )


# --- Shaping the output -----------------------------------------------------------------------


def _dates(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "reference": referral.reference,
        "status": referral.status,
        "urgency": referral.urgency,
        "sent_at": referral.sent_at,
        "answer_due_on": referral.answer_due_on,
        "responded_at": referral.responded_at,
        "follow_up_on": referral.follow_up_on,
        "completed_at": referral.completed_at,
        "cancelled_at": referral.cancelled_at,
        "decline_reason": referral.decline_reason,
        "outcome": referral.outcome,
        "due_on": getattr(referral, "due_on", None),
        "is_overdue": bool(getattr(referral, "is_overdue", False)),
        "service": {
            "id": referral.service.pk,
            "name": referral.service.name,
            "category": referral.service.category,
        },
    }


def _partner_data(referral: Referral, *, with_reason: bool) -> dict[str, Any]:
    participant = referral.case.participant
    data = _dates(referral)
    data["referred_by"] = str(referral.case.organisation)
    data["person"] = {
        "full_name": participant.full_name,
        "sex": participant.sex,
        "age": age_on(participant.birth_date, timezone.localdate()),
        "phone": participant.phone,
        "municipality": participant.municipality.name,
    }
    if with_reason:
        data["reason"] = referral.reason
    return data


def _staff_data(referral: Referral, *, whole: bool) -> dict[str, Any]:
    participant = referral.case.participant
    data = _dates(referral)
    data.update(
        case=referral.case_id,
        participant={
            "id": participant.pk,
            "reference": participant.reference,
            "full_name": participant.full_name,
        },
        provider={"id": referral.provider.pk, "name": referral.provider.name},
    )
    if whole:
        data.update(
            reason=referral.reason,
            consent={
                "id": referral.consent.pk,
                "given_on": referral.consent.given_on,
                "expires_on": referral.consent.expires_on,
                "withdrawn_on": referral.consent.withdrawn_on,
            },
            answer_note=referral.answer_note,
            outcome_note=referral.outcome_note,
            cancellation_note=referral.cancellation_note,
        )
    return data


def _listed(user: User) -> ReferralQuerySet:
    return selectors.referral_list(user=user, today=timezone.localdate()).select_related(
        "case__organisation", "case__participant__municipality", "consent"
    )


def _status_data(referral: Referral) -> dict[str, Any]:
    return ReferralStatusSerializer(referral).data


# --- Views ------------------------------------------------------------------------------------


class ReferralListView(ListView):
    """Referrals: those of your cases (staff), or those sent to your organisation (partner)."""

    keyset_ordering = ["-sent_at", "-id"]

    @extend_schema(
        operation_id="referrals_list",
        summary="Referrals you may see, newest first",
        description=(
            "Staff get the referrals of the cases they may see; partner staff the referrals sent "
            "to their organisation, reduced to what a provider needs (``person``)."
        ),
        parameters=[ReferralFilterSerializer],
        responses=PolymorphicProxySerializer(
            component_name="ReferralListEntry",
            serializers=[ReferralListItemSerializer, PartnerReferralListItemSerializer],
            resource_type_field_name=None,
            many=True,
        ),
    )
    def get(self, request: Request) -> Response:
        require_role(self.user, LIST_ROLES)
        data = validated_query(ReferralFilterSerializer, request).validated_data
        referrals = _listed(self.user)
        if data.get("status") == OPEN:
            referrals = referrals.open()
        elif data.get("status"):
            referrals = referrals.filter(status=data["status"])
        if data["overdue"]:
            referrals = referrals.filter(Referral.objects.overdue_condition(timezone.localdate()))
        if data.get("programme"):
            referrals = referrals.filter(case__programme=data["programme"])
        if data.get("case"):
            referrals = referrals.filter(case=data["case"])
        if _is_partner(self.user):
            return self.paginated(
                referrals,
                PartnerReferralListItemSerializer,
                shape=lambda rows: [_partner_data(r, with_reason=False) for r in rows],
            )
        return self.paginated(
            referrals,
            ReferralListItemSerializer,
            shape=lambda rows: [_staff_data(r, whole=False) for r in rows],
        )

    @extend_schema(
        operation_id="referrals_send",
        summary="Refer a case's participant to a provider (needs the person's consent)",
        request=ReferralSendSerializer,
        responses={201: ReferralStatusSerializer},
    )
    def post(self, request: Request) -> Response:
        require_role(self.user, LIST_ROLES)
        if _is_partner(self.user):
            raise PermissionDenied(
                _("Partner organisations answer referrals; they do not send them.")
            )
        data = validated(ReferralSendSerializer, request).validated_data
        case: Case = access_case(user=self.user, pk=data["case"].pk, action="change")
        referral = services.referral_send(
            case=case,
            provider=data["provider"],
            service=data["service"],
            reason=data["reason"],
            urgency=data["urgency"],
            by=self.user,
            at=timezone.now(),
        )
        return Response(_status_data(referral), status=status.HTTP_201_CREATED)


def _referral_with_dates(user: User, pk: Any) -> Referral:
    return _listed(user).get(pk=pk)


class ReferralDetailView(ApiView):
    """One referral."""

    @extend_schema(
        operation_id="referrals_retrieve",
        summary="A referral (reading its reason and notes is audited)",
        description=(
            "Partner staff get the minimal form (``PartnerReferral``); staff the whole referral."
        ),
        responses=REFERRAL_DETAIL,
    )
    def get(self, request: Request, pk: Any) -> Response:
        referral = access_referral(user=self.user, pk=pk, action="view")
        services.referral_record_read(referrals=[referral], by=self.user, at=timezone.now())
        referral = _referral_with_dates(self.user, referral.pk)
        if _is_partner(self.user):
            data = _partner_data(referral, with_reason=True)
            return Response(PartnerReferralSerializer(data).data)
        return Response(ReferralSerializer(_staff_data(referral, whole=True)).data)


class ReferralActionView(ApiView):
    """Base of the four actions on one referral; each answers where the referral then stands."""

    referral_action: ReferralAction
    input_serializer: type[serializers.Serializer]

    def post(self, request: Request, pk: Any) -> Response:
        referral = access_referral(user=self.user, pk=pk, action=self.referral_action.access)
        data = validated(self.input_serializer, request).validated_data
        referral = self.referral_action.perform(referral, data, self.user, timezone.now())
        return Response(_status_data(referral))


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_accept",
        summary="Accept a referral sent to your organisation (PARTNER)",
        request=AcceptSerializer,
        responses=ReferralStatusSerializer,
    )
)
class ReferralAcceptView(ReferralActionView):
    """The provider takes the referral on."""

    referral_action = actions.ACCEPT
    input_serializer = AcceptSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_decline",
        summary="Decline a referral sent to your organisation, saying why (PARTNER)",
        request=DeclineSerializer,
        responses=ReferralStatusSerializer,
    )
)
class ReferralDeclineView(ReferralActionView):
    """The provider cannot take the referral on."""

    referral_action = actions.DECLINE
    input_serializer = DeclineSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_complete",
        summary="Report the outcome of an accepted referral (PARTNER)",
        request=CompleteSerializer,
        responses=ReferralStatusSerializer,
    )
)
class ReferralCompleteView(ReferralActionView):
    """The provider reports what came of the referral."""

    referral_action = actions.COMPLETE
    input_serializer = CompleteSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_cancel",
        summary="Cancel a referral your organisation sent (staff)",
        request=CancelSerializer,
        responses=ReferralStatusSerializer,
    )
)
class ReferralCancelView(ReferralActionView):
    """The referring organisation withdraws the referral."""

    referral_action = actions.CANCEL
    input_serializer = CancelSerializer
