"""OpenAPI pieces shared by every API: the error body and the responses that use it."""

from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer[dict[str, object]]):
    message = serializers.CharField()
    extra = serializers.DictField(help_text='Details; validation errors put field errors under "fields".')


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


BAD_REQUEST = {400: error_response("Bad input or a broken business rule.")}
UNAUTHENTICATED = {401: error_response("No or invalid credentials.")}
FORBIDDEN = {403: error_response("Authenticated, but not allowed.")}
NOT_FOUND = {404: error_response("No such object.")}

ERROR_RESPONSES = {**BAD_REQUEST, **UNAUTHENTICATED, **FORBIDDEN}


class AutoSchema(openapi.AutoSchema):
    """Names nested serializers after their API: `EmailListApi.OutputSerializer` is `EmailListOutput`.

    Every API nests its own `InputSerializer` / `OutputSerializer`, so the
    default names (`Input`, `Output`) would collide across the schema. A
    serializer nested one level deeper is named after both:
    `TaskStatusApi.OutputSerializer.ProgressSerializer` is `TaskStatusOutputProgress`.
    """

    def get_serializer_name(
        self, serializer: serializers.Serializer[Any], direction: Literal["request", "response"]
    ) -> str:
        name = super().get_serializer_name(serializer, direction)
        outer, *inner = type(serializer).__qualname__.split(".")
        if not inner:
            return name
        return outer.removesuffix("Api") + "".join(part.removesuffix("Serializer") for part in inner)
