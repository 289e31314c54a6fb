"""The OpenAPI shape of every error body the exception handler answers: one schema per kind of error.

Each is `{"message": str, "extra": {...}}`; what `extra` holds depends on the
kind, so a generated client gets a type per kind instead of one free-form
object. `api.schemas.AutoSchema` lists on every operation the kinds its view
can answer; a view declares only the errors of its own business rules, with
`rule_broken()` and `NOT_FOUND`.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema_field, extend_schema_serializer
from rest_framework import serializers


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": False,
        "description": "Nothing: the message says it all.",
    }
)
class EmptyExtraField(serializers.DictField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "The messages of each field that was refused. An item of a list is named "
                "`<field>.<index>`, a field of a nested object `<field>.<name>`; errors of no single field are "
                "under `non_field_errors`.",
            }
        },
        "required": ["fields"],
    }
)
class FieldErrorsField(serializers.DictField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "wait_seconds": {"type": "integer", "minimum": 1, "description": "Seconds to wait, as in Retry-After."}
        },
        "required": ["wait_seconds"],
    }
)
class WaitField(serializers.DictField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        # Disjoint from ValidationError, so that a 400 body is exactly one of the two.
        "not": {"required": ["fields"]},
        "description": "The details of the rule, when it has any (the current status, a timestamp, ...).",
    }
)
class RuleDetailsField(serializers.DictField):
    pass


class _ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    message = serializers.CharField(help_text="What went wrong, for a person to read.")


@extend_schema_serializer(component_name="ValidationError")
class ValidationErrorSerializer(_ErrorSerializer):
    """The input was refused: the request's fields, its query parameters, or a rule about several of them."""

    extra = FieldErrorsField()


@extend_schema_serializer(component_name="RuleError")
class RuleErrorSerializer(_ErrorSerializer):
    """The input was well formed, but a business rule refused the request (already done, wrong state, ...), or
    the body was not JSON."""

    extra = RuleDetailsField()


@extend_schema_serializer(component_name="NotAuthenticatedError")
class NotAuthenticatedErrorSerializer(_ErrorSerializer):
    """No credentials, or a token that is unknown, expired or revoked."""

    extra = EmptyExtraField()


@extend_schema_serializer(component_name="PermissionDeniedError")
class PermissionDeniedErrorSerializer(_ErrorSerializer):
    """Authenticated, but not allowed (not staff; or a session request without its CSRF token)."""

    extra = EmptyExtraField()


@extend_schema_serializer(component_name="NotFoundError")
class NotFoundErrorSerializer(_ErrorSerializer):
    """No such object, or one the caller may not see."""

    extra = EmptyExtraField()


@extend_schema_serializer(component_name="NotAcceptableError")
class NotAcceptableErrorSerializer(_ErrorSerializer):
    """The Accept header names no type the API answers in (it answers JSON)."""

    extra = EmptyExtraField()


@extend_schema_serializer(component_name="RequestTooLargeError")
class RequestTooLargeErrorSerializer(_ErrorSerializer):
    """The body is larger than the server accepts."""

    extra = EmptyExtraField()


@extend_schema_serializer(component_name="UnsupportedMediaTypeError")
class UnsupportedMediaTypeErrorSerializer(_ErrorSerializer):
    """The body is not `application/json`."""

    extra = EmptyExtraField()


@extend_schema_serializer(component_name="ThrottledError")
class ThrottledErrorSerializer(_ErrorSerializer):
    """Too many requests: try again after `extra.wait_seconds` (also the Retry-After header)."""

    extra = WaitField()


@extend_schema_serializer(component_name="UnavailableError")
class UnavailableErrorSerializer(_ErrorSerializer):
    """The request cannot be counted against its limits right now: try again after `extra.wait_seconds`."""

    extra = WaitField()


@extend_schema_serializer(component_name="IdempotencyKeyInUseError")
class IdempotencyKeyInUseErrorSerializer(_ErrorSerializer):
    """A request with the same `Idempotency-Key` is still being processed: try again once it has answered."""

    extra = EmptyExtraField()


@extend_schema_serializer(component_name="IdempotencyKeyReusedError")
class IdempotencyKeyReusedErrorSerializer(_ErrorSerializer):
    """The `Idempotency-Key` was used before with another request body: a new request needs a new key."""

    extra = EmptyExtraField()


def error_response(serializer: type[serializers.Serializer[Any]], description: str) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


def rule_broken(description: str) -> dict[int, OpenApiResponse]:
    """The 400 of a view's own business rules, `description` saying which; for `extend_schema(responses=...)`.

    The errors a view declares itself are those of its rules. The rest (validation, access, throttles, media
    types) come from its classes and its request body, in `api.schemas.AutoSchema`.
    """
    return {400: error_response(RuleErrorSerializer, description)}


NOT_FOUND = {404: error_response(NotFoundErrorSerializer, "No such object.")}
