"""The OpenAPI description of the API: every operation also documents the errors it answers."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "A refusal, explained in the user's language.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
)
VALIDATION_ERROR = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={
        "type": "object",
        "description": (
            "Messages in the user's language, keyed by the field they are about "
            "(``non_field_errors`` for the request as a whole). For a list of items, an object "
            "keyed by the position of each item in error (from 0). A body that cannot be read "
            "answers ``detail``."
        ),
        "additionalProperties": {},
    },
)

_ERRORS = {
    "400": ("The request does not hold; nothing was changed.", VALIDATION_ERROR),
    "401": ("No valid credentials: sign in, or send a token.", ERROR),
    "403": ("The record is visible, but your role may not do this.", ERROR),
    "404": ("Not found, or not visible to you: the answer is the same.", ERROR),
}


class ApiSchema(AutoSchema):
    """AutoSchema that adds the error responses every operation may give."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, (description, component) in _ERRORS.items():
            if code in responses:
                continue
            self.registry.register_on_missing(component)
            responses[code] = {
                "description": description,
                "content": {"application/json": {"schema": component.ref}},
            }
        return responses
