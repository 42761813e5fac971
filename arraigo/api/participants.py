"""Participants: the list with its filters, registration, the record, corrections and search."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from arraigo.accounts.permissions import PEOPLE_ROLES, require_role
from arraigo.api.base import ApiView, ListView, age_on, validated, validated_query
from arraigo.api.fields import DivisionField, EnumField, OccupationField, RecordField
from arraigo.cases.models import Case
from arraigo.cases.selectors import participant_cases
from arraigo.core import audit
from arraigo.core.models import AdministrativeDivision, Country
from arraigo.dedup import services as dedup_services
from arraigo.dedup.check import Match, possible_duplicates_of
from arraigo.dedup.models import Decision
from arraigo.people import selectors, services
from arraigo.people.identifiers import (
    normalise_document_number,
    validate_document_number,
    validate_phone,
)
from arraigo.people.models import (
    EducationLevel,
    Enrolment,
    GenderIdentity,
    IdentityDocument,
    Language,
    Participant,
    PopulationType,
    Relationship,
    ReturnKind,
    Sex,
)
from arraigo.people.permissions import (
    access_participant,
    can_register_participants,
    visible_participants,
)
from arraigo.people.search import search_participants
from arraigo.programmes.permissions import visible_programmes

Level = AdministrativeDivision.Level
MAX_DOCUMENTS = 5
SEARCH_MAX_LENGTH = 120


def _countries() -> list[tuple[str, str]]:
    # By code, so the schema reads the same whatever the language it is generated in.
    return sorted((code, str(name)) for code, name in countries)


def _visible_programmes(context: Mapping[str, Any]) -> QuerySet[Any]:
    return visible_programmes(context["request"].user)


# --- Input ------------------------------------------------------------------------------------


class FunctioningSerializer(serializers.Serializer):
    """Washington Group short set: 1 no difficulty, 2 some, 3 a lot, 4 cannot do at all."""

    SEEING = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    HEARING = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    MOBILITY = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    COGNITION = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    SELF_CARE = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    COMMUNICATION = serializers.IntegerField(
        min_value=1, max_value=4, required=False, allow_null=True
    )


class DocumentInputSerializer(serializers.Serializer):
    kind = EnumField(IdentityDocument.Kind, enum_name="DocumentKind")
    number = serializers.CharField(max_length=40)
    issuing_country = EnumField(
        choices=_countries(), enum_name="CountryCode", required=False, allow_blank=True, default=""
    )
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            validate_document_number(attrs["kind"], attrs["number"])
        except DjangoValidationError as error:
            raise ValidationError({"number": error.messages}) from error
        return attrs


def _document_details(attrs: dict[str, Any]) -> services.DocumentDetails:
    return services.DocumentDetails(
        kind=attrs["kind"],
        number=attrs["number"],
        issuing_country=attrs["issuing_country"],
        expires_on=attrs["expires_on"],
    )


class ParticipantInputSerializer(serializers.Serializer):
    """A person's details as staff record them; the same rules as the registration form."""

    given_names = serializers.CharField(max_length=120)
    first_surname = serializers.CharField(max_length=80)
    second_surname = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )
    sex = EnumField(Sex)
    gender_identity = EnumField(
        GenderIdentity,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Ask only if the person wants to say. It is stored encrypted."),
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    age = serializers.IntegerField(
        min_value=0,
        max_value=120,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Approximate age, if the date of birth is not known."),
    )
    nationality = EnumField(choices=_countries(), enum_name="CountryCode")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    country = EnumField(Country)
    department = DivisionField(level=Level.DEPARTMENT)
    municipality = DivisionField(level=Level.MUNICIPALITY)
    district = DivisionField(level=Level.DISTRICT, required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    population_type = EnumField(PopulationType)
    returned_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Required for returnees."),
    )
    returned_from = EnumField(
        choices=_countries(), enum_name="CountryCode", required=False, allow_blank=True, default=""
    )
    return_kind = EnumField(ReturnKind, required=False, allow_blank=True, default="")
    education_level = EnumField(EducationLevel, required=False, allow_blank=True, default="")
    occupation = OccupationField(required=False, allow_null=True, default=None)
    languages = serializers.ListField(
        child=EnumField(Language), required=False, default=list, max_length=len(Language)
    )
    disability_answers = FunctioningSerializer(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if attrs["birth_date"] is None and attrs["age"] is None and not self._keeps_birth_date():
            errors["birth_date"] = [_("Enter the date of birth, or an approximate age.")]
        if attrs["phone"]:
            try:
                attrs["phone"] = validate_phone(attrs["phone"])
            except DjangoValidationError as error:
                errors["phone"] = error.messages
        if errors:
            raise ValidationError(errors)
        return attrs

    def _keeps_birth_date(self) -> bool:
        return self.context.get("stored_birth_date") is not None

    def details(self) -> services.ParticipantDetails:
        """The validated values as the registry services take them."""
        data = self.validated_data
        today = timezone.localdate()
        if data["birth_date"] is not None:
            birth_date, estimated = data["birth_date"], False
        elif data["age"] is not None:
            birth_date, estimated = services.birth_date_from_age(age=data["age"], on=today), True
        else:
            birth_date, estimated = self.context["stored_birth_date"]
        answers = {
            domain: answer
            for domain, answer in (data["disability_answers"] or {}).items()
            if answer is not None
        }
        return services.details_from_input(
            data,
            birth_date=birth_date,
            birth_date_is_estimated=estimated,
            occupation=data["occupation"],
            languages=list(dict.fromkeys(data["languages"])),
            disability_answers=answers or None,
        )


class ParticipantRegistrationSerializer(ParticipantInputSerializer):
    """A new person: its details, the programme it joins, its documents, its household."""

    programme = RecordField(
        choices=_visible_programmes,
        does_not_exist=gettext_lazy("Choose one of the programmes you work in."),
    )
    documents = DocumentInputSerializer(
        many=True,
        required=False,
        default=list,
        # Passed on to the ListSerializer that many=True makes; the stubs do not know it.
        max_length=MAX_DOCUMENTS,  # type: ignore[call-arg]
    )
    household_size = serializers.IntegerField(
        min_value=1,
        max_value=40,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Fill in if this person heads a household."),
    )
    household_dependants = serializers.IntegerField(
        min_value=0, max_value=39, required=False, allow_null=True, default=None
    )
    confirm_new_person = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy(
            "Register the person even though the duplicate check finds people who may be the "
            "same; the decision is recorded with them. Without it, such a request answers 409 "
            "with the possible duplicates and nothing is saved."
        ),
    )

    def validate_documents(self, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[tuple[str, str]] = set()
        errors: dict[str, Any] = {}
        for index, document in enumerate(documents):
            key = (document["kind"], normalise_document_number(document["number"]))
            if key in seen:
                errors[str(index)] = {"number": [_("This document is listed twice.")]}
            seen.add(key)
        if errors:
            raise ValidationError(errors)
        return documents


class ParticipantUpdateSerializer(ParticipantInputSerializer):
    """Any of the person's details; what is left out stays as it is."""


def _as_input(participant: Participant) -> dict[str, Any]:
    """A stored participant in the shape of the input, to merge a partial update into."""
    return {
        "given_names": participant.given_names,
        "first_surname": participant.first_surname,
        "second_surname": participant.second_surname,
        "sex": participant.sex,
        "gender_identity": participant.gender_identity,
        "nationality": str(participant.nationality),
        "phone": participant.phone,
        "email": participant.email,
        "country": participant.country,
        "department": participant.department_id,
        "municipality": participant.municipality_id,
        "district": participant.district_id,
        "address": participant.address,
        "population_type": participant.population_type,
        "returned_on": participant.returned_on.isoformat() if participant.returned_on else None,
        "returned_from": str(participant.returned_from or ""),
        "return_kind": participant.return_kind,
        "education_level": participant.education_level,
        "occupation": participant.occupation_id,
        "languages": list(participant.languages or []),
        "disability_answers": participant.disability_answers,
    }


class ParticipantFilterSerializer(serializers.Serializer):
    """Filters of the list; none of them is personal, so they go in the URL."""

    programme = RecordField(
        choices=_visible_programmes,
        required=False,
        does_not_exist=gettext_lazy("Choose one of the programmes you work in."),
    )
    population_type = EnumField(PopulationType, required=False, allow_blank=True)
    sex = EnumField(Sex, required=False, allow_blank=True)


class SearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=SEARCH_MAX_LENGTH,
        help_text=gettext_lazy("Name, reference, document number or phone."),
    )


# --- Output -----------------------------------------------------------------------------------


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ProgrammeRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = EnumField(IdentityDocument.Kind, enum_name="DocumentKind")
    number = serializers.CharField()
    issuing_country = serializers.CharField()
    expires_on = serializers.DateField(allow_null=True)


class ParticipantListItemSerializer(serializers.Serializer):
    """Who the person is, enough to recognise them in a list."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    given_names = serializers.CharField()
    first_surname = serializers.CharField()
    second_surname = serializers.CharField()
    full_name = serializers.CharField()
    sex = EnumField(Sex)
    birth_date = serializers.SerializerMethodField(
        help_text=gettext_lazy("Empty when only an approximate age is known.")
    )
    birth_date_is_estimated = serializers.BooleanField()
    age = serializers.SerializerMethodField()
    population_type = EnumField(PopulationType)
    department = PlaceSerializer()
    municipality = PlaceSerializer()
    documents = DocumentSerializer(many=True)

    def get_birth_date(self, participant: Participant) -> datetime.date | None:
        return None if participant.birth_date_is_estimated else participant.birth_date

    def get_age(self, participant: Participant) -> int:
        return age_on(participant.birth_date, timezone.localdate())


class OccupationSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()


class HouseholdSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    size = serializers.IntegerField()
    dependants = serializers.IntegerField()
    head_reference = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("Empty when the head is not visible to you.")
    )
    relationship_to_head = EnumField(Relationship, allow_blank=True)


class EnrolmentSerializer(serializers.Serializer):
    programme = ProgrammeRefSerializer()
    enrolled_on = serializers.DateField()


class ParticipantCaseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    programme = ProgrammeRefSerializer()
    status = EnumField(Case.Status)
    opened_on = serializers.DateField()


class ParticipantSerializer(ParticipantListItemSerializer):
    """The person's record, without the SENSITIVE fields."""

    nationality = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    country = EnumField(Country)
    district = PlaceSerializer(allow_null=True)
    address = serializers.CharField()
    returned_on = serializers.DateField(allow_null=True)
    returned_from = serializers.CharField()
    return_kind = EnumField(ReturnKind, allow_blank=True)
    education_level = EnumField(EducationLevel, allow_blank=True)
    occupation = OccupationSerializer(allow_null=True)
    languages = serializers.ListField(child=serializers.CharField())
    has_disability = serializers.BooleanField()
    household = serializers.SerializerMethodField()
    enrolments = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()
    registered_on = serializers.DateField()
    merged_into = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The reference of the record this one was merged into (the same person), if it was."
        )
    )

    def _user(self) -> Any:
        return self.context["request"].user

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_merged_into(self, participant: Participant) -> str | None:
        kept = participant.merged_into
        return kept.reference if kept is not None else None

    @extend_schema_field(HouseholdSerializer(allow_null=True))
    def get_household(self, participant: Participant) -> dict[str, Any] | None:
        household = selectors.household_of(participant=participant)
        if household is None:
            return None
        head = household.head
        head_visible = (
            head is not None and visible_participants(self._user()).filter(pk=head.pk).exists()
        )
        return HouseholdSerializer(
            {
                "id": household.pk,
                "size": household.size,
                "dependants": household.dependants,
                "head_reference": head.reference if head is not None and head_visible else None,
                "relationship_to_head": participant.relationship_to_head,
            }
        ).data

    @extend_schema_field(EnrolmentSerializer(many=True))
    def get_enrolments(self, participant: Participant) -> Any:
        enrolments = (
            Enrolment.objects.filter(
                participant=participant, programme__in=visible_programmes(self._user())
            )
            .select_related("programme")
            .order_by("enrolled_on", "id")
        )
        return EnrolmentSerializer(enrolments, many=True).data

    @extend_schema_field(ParticipantCaseSerializer(many=True))
    def get_cases(self, participant: Participant) -> Any:
        cases = participant_cases(user=self._user(), participant=participant)
        return ParticipantCaseSerializer(cases, many=True).data


class ParticipantDetailSerializer(ParticipantSerializer):
    """The whole record, SENSITIVE fields included; reading it is recorded in the audit log."""

    gender_identity = EnumField(GenderIdentity, allow_blank=True)
    disability_answers = FunctioningSerializer(allow_null=True)


class DuplicateReasonSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=gettext_lazy("The field compared."))
    level = serializers.CharField(help_text=gettext_lazy("How the two values compare."))
    text = serializers.CharField(help_text=gettext_lazy("The same, in the user's language."))
    supports = serializers.BooleanField(
        help_text=gettext_lazy("Whether it speaks for the same person (or against).")
    )


class PossibleDuplicateSerializer(serializers.Serializer):
    """Someone who may be the person being registered, with as little about them as will do."""

    id = serializers.UUIDField(
        allow_null=True, help_text=gettext_lazy("Only for people you may see.")
    )
    reference = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy(
            "Empty for another organisation's person unless the sharing agreement shows it."
        ),
    )
    organisation = serializers.CharField()
    same_organisation = serializers.BooleanField()
    probability = serializers.FloatField(min_value=0, max_value=1)
    reasons = DuplicateReasonSerializer(
        many=True, help_text=gettext_lazy("Only for your own organisation's people.")
    )


class PossibleDuplicatesSerializer(serializers.Serializer):
    detail = serializers.CharField()
    possible_duplicates = PossibleDuplicateSerializer(many=True)


def _possible_duplicates_body(matches: list[Match], user: Any) -> dict[str, Any]:
    visible = set(
        visible_participants(user)
        .filter(pk__in=[match.participant_id for match in matches if match.same_organisation])
        .values_list("pk", flat=True)
    )
    return {
        "detail": _(
            "This person may already be registered. Check the possible duplicates; to register "
            "the person anyway, send the request again with confirm_new_person set to true."
        ),
        "possible_duplicates": [
            {
                "id": match.participant_id if match.participant_id in visible else None,
                "reference": match.reference,
                "organisation": str(match.organisation),
                "same_organisation": match.same_organisation,
                "probability": round(match.probability, 4),
                "reasons": [
                    {
                        "field": reason.field,
                        "level": reason.level,
                        "text": reason.text,
                        "supports": reason.supports,
                    }
                    for reason in match.reasons
                ],
            }
            for match in matches
        ],
    }


class SearchResultSerializer(serializers.Serializer):
    kind = EnumField(
        choices=[("reference", "reference"), ("number", "number"), ("name", "name")],
        enum_name="SearchKind",
        help_text=gettext_lazy("What the search was taken to be."),
    )
    truncated = serializers.BooleanField(
        help_text=gettext_lazy("More people matched than are shown: refine the search.")
    )
    results = ParticipantListItemSerializer(many=True)


# --- Views ------------------------------------------------------------------------------------


def _listed(participants: QuerySet[Participant]) -> QuerySet[Participant]:
    return participants.select_related("department", "municipality").prefetch_related("documents")


def _document_errors(
    documents: list[dict[str, Any]], error: services.DocumentAlreadyRegistered
) -> dict[str, Any]:
    """The refusal at the document that is already registered, by its index in the list."""
    for index, document in enumerate(documents):
        if normalise_document_number(document["number"]) == error.number_normalized:
            return {str(index): {"number": [error.message]}}
    return {"0": {"number": [error.message]}}


class ParticipantListView(ListView):
    """The people registered by your organisation in the programmes you work in."""

    keyset_ordering = ["-id"]

    @extend_schema(
        operation_id="participants_list",
        summary="Participants you may see, newest first",
        parameters=[ParticipantFilterSerializer],
        responses=ParticipantListItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        require_role(self.user, PEOPLE_ROLES)
        filters = validated_query(ParticipantFilterSerializer, request).validated_data
        participants = visible_participants(self.user)
        if filters.get("programme"):
            participants = participants.filter(
                Exists(
                    Enrolment.objects.filter(
                        participant=OuterRef("pk"), programme=filters["programme"]
                    )
                )
            )
        if filters.get("population_type"):
            participants = participants.filter(population_type=filters["population_type"])
        if filters.get("sex"):
            participants = participants.filter(sex=filters["sex"])
        return self.paginated(_listed(participants), ParticipantListItemSerializer)

    @extend_schema(
        operation_id="participants_register",
        summary="Register a person in a programme, with its documents",
        description=(
            "Before saving, the person is checked against the registry for duplicates. If "
            "someone may be the same person, the answer is 409 with them and nothing is saved, "
            "unless the request says confirm_new_person: true."
        ),
        request=ParticipantRegistrationSerializer,
        responses={201: ParticipantSerializer, 409: PossibleDuplicatesSerializer},
    )
    def post(self, request: Request) -> Response:
        membership = require_role(self.user, PEOPLE_ROLES)
        if not can_register_participants(self.user):
            raise Http404
        serializer = validated(ParticipantRegistrationSerializer, request)
        data = serializer.validated_data
        details = serializer.details()
        documents = [_document_details(document) for document in data["documents"]]
        matches = possible_duplicates_of(
            organisation=membership.organisation, details=details, documents=documents
        )
        if matches and not data["confirm_new_person"]:
            return Response(
                PossibleDuplicatesSerializer(_possible_duplicates_body(matches, self.user)).data,
                status=status.HTTP_409_CONFLICT,
            )
        registration: dict[str, Any] = {
            "by": self.user,
            "at": timezone.now(),
            "programme": data["programme"],
            "details": details,
            "documents": documents,
            "household_size": data["household_size"],
            "household_dependants": data["household_dependants"] or 0,
        }
        try:
            if matches:
                participant = dedup_services.registration_new_person(
                    shown=matches, source=Decision.Source.API, **registration
                )
            else:
                participant = services.participant_register(**registration)
        except services.DocumentAlreadyRegistered as error:
            errors = _document_errors(data["documents"], error)
            raise ValidationError({"documents": errors}) from error
        participant = _listed(Participant.objects.filter(pk=participant.pk)).get()
        return Response(
            ParticipantSerializer(participant, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ParticipantDetailView(ApiView):
    """One participant's record."""

    @extend_schema(
        operation_id="participants_retrieve",
        summary="A participant's record, SENSITIVE fields included (the reading is audited)",
        responses=ParticipantDetailSerializer,
    )
    def get(self, request: Request, pk: Any) -> Response:
        participant = access_participant(user=self.user, pk=pk, include_merged=True)
        if participant.gender_identity or participant.disability_answers:
            audit.record_reads(
                actor=self.user,
                action="participant.sensitive_read",
                targets=[participant],
                at=timezone.now(),
            )
        participant = _listed(Participant.objects.filter(pk=participant.pk)).get()
        return Response(ParticipantDetailSerializer(participant, context={"request": request}).data)

    @extend_schema(
        operation_id="participants_partial_update",
        summary="Correct or complete a participant's details",
        request=ParticipantUpdateSerializer(partial=True),
        responses=ParticipantSerializer,
    )
    def patch(self, request: Request, pk: Any) -> Response:
        participant = access_participant(user=self.user, pk=pk, action="change")
        if not isinstance(request.data, dict):
            raise ValidationError(
                {"non_field_errors": [_("Send an object with the fields to change.")]}
            )
        keeps_birth_date = "birth_date" not in request.data and "age" not in request.data
        serializer = validated(
            ParticipantUpdateSerializer,
            request,
            data={**_as_input(participant), **request.data},
            stored_birth_date=(
                (participant.birth_date, participant.birth_date_is_estimated)
                if keeps_birth_date
                else None
            ),
        )
        services.participant_update(
            participant=participant,
            details=serializer.details(),
            by=self.user,
            at=timezone.now(),
        )
        participant = _listed(Participant.objects.filter(pk=participant.pk)).get()
        return Response(ParticipantSerializer(participant, context={"request": request}).data)


class ParticipantSearchView(ApiView):
    """Search among the people you may see."""

    @extend_schema(
        operation_id="participants_search",
        summary="Find people by name, reference, document number or phone",
        description=(
            "The terms go in the body, never in the URL, so they stay out of logs and history."
        ),
        request=SearchInputSerializer,
        responses=SearchResultSerializer,
    )
    def post(self, request: Request) -> Response:
        membership = require_role(self.user, PEOPLE_ROLES)
        term = validated(SearchInputSerializer, request).validated_data["q"]
        result = search_participants(
            _listed(visible_participants(self.user)),
            query=term,
            organisation_id=membership.organisation_id,
        )
        body = {"kind": result.kind, "truncated": result.truncated, "results": result.participants}
        return Response(SearchResultSerializer(body, context={"request": request}).data)
