"""Serializer fields shared by the API: named enums, records chosen by id, places by code."""

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from rest_framework import serializers

from arraigo.core.models import AdministrativeDivision, Occupation


def _enum_name(choices_class: type) -> str:
    # Case.Status → CaseStatus; Sex → Sex
    return choices_class.__qualname__.replace(".", "")


class EnumField(serializers.ChoiceField):
    """One value of a set of codes, documented once in the schema as ``<Name>Enum``.

    Each set gets its own named component, so two fields called ``status`` with different
    codes (a case's and a referral's) never collide in the schema.
    """

    def __init__(
        self,
        choices_class: type[models.TextChoices] | None = None,
        *,
        choices: Iterable[tuple[str, Any]] | None = None,
        enum_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if choices_class is not None:
            choices = choices_class.choices
            enum_name = enum_name or _enum_name(choices_class)
        if choices is None or enum_name is None:
            raise TypeError("EnumField needs choices_class, or choices and enum_name")
        self.enum_name = f"{enum_name}Enum"
        super().__init__(choices=list(choices), **kwargs)


class EnumFieldSchema(OpenApiSerializerFieldExtension):
    target_class = EnumField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field: EnumField = self.target
        values = [value for value in field.choices if value not in ("", None)]
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={
                "type": "string",
                "enum": values,
                "description": build_choice_description_list(
                    (value, label) for value, label in field.choices.items() if value in values
                ),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if not field.allow_blank:
            return component.ref
        blank = ResolvedComponent(
            name="BlankEnum",
            type=ResolvedComponent.SCHEMA,
            object="BlankEnum",
            schema={"type": "string", "enum": [""]},
        )
        auto_schema.registry.register_on_missing(blank)
        return {"oneOf": [component.ref, blank.ref]}


class RecordField(serializers.Field):
    """A record named by its UUID, looked up in the set the requesting user may choose from.

    *choices* receives the serializer's context and returns that set, so a record the user may
    not see gets the same answer as one that does not exist.
    """

    default_error_messages = {
        "invalid": _("Enter a valid identifier."),
        "does_not_exist": _("Choose one of the options you can see."),
    }

    def __init__(
        self,
        *,
        choices: Callable[[Mapping[str, Any]], QuerySet[Any]],
        does_not_exist: Any = None,
        **kwargs: Any,
    ) -> None:
        self.choices = choices
        super().__init__(**kwargs)
        if does_not_exist is not None:
            self.error_messages["does_not_exist"] = does_not_exist

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            pk = uuid.UUID(data)
        except ValueError:
            self.fail("invalid")
        record = self.choices(self.context).filter(pk=pk).first()
        if record is None:
            self.fail("does_not_exist")
        return record

    def to_representation(self, value: Any) -> str:
        return str(value.pk)


class RecordFieldSchema(OpenApiSerializerFieldExtension):
    target_class = RecordField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "format": "uuid"}


class DivisionField(serializers.Field):
    """An administrative division of a given level, by its code (e.g. ``SV-PA``)."""

    default_error_messages = {
        "invalid": _("Enter the code of a place."),
        "does_not_exist": _("There is no place of this kind with this code."),
    }

    def __init__(self, *, level: str, **kwargs: Any) -> None:
        self.level = level
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> AdministrativeDivision:
        if not isinstance(data, str) or not data.strip() or len(data) > 64:
            self.fail("invalid")
        divisions = AdministrativeDivision.objects.filter(level=self.level)
        division = divisions.filter(code=data.strip()).first()
        if division is None:
            self.fail("does_not_exist")
        return division

    def to_representation(self, value: AdministrativeDivision) -> str:
        return value.code


class OccupationField(serializers.Field):
    """A unit group of ISCO-08, by its four-digit code."""

    default_error_messages = {
        "invalid": _("Enter a four-digit ISCO-08 code."),
        "does_not_exist": _("There is no ISCO-08 unit group with this code."),
    }

    def to_internal_value(self, data: Any) -> Occupation:
        if not isinstance(data, str) or len(data) != 4 or not data.isdigit():
            self.fail("invalid")
        occupation = Occupation.objects.filter(code=data, level=Occupation.Level.UNIT).first()
        if occupation is None:
            self.fail("does_not_exist")
        return occupation

    def to_representation(self, value: Occupation) -> str:
        return value.code


class DivisionFieldSchema(OpenApiSerializerFieldExtension):
    target_class = DivisionField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": 64}


class OccupationFieldSchema(OpenApiSerializerFieldExtension):
    target_class = OccupationField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\d{4}$"}
