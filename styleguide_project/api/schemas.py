"""OpenAPI pieces shared by every API: the error body and the responses that use it."""

from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated


class ErrorSerializer(serializers.Serializer[dict[str, object]]):
    message = serializers.CharField()
    extra = serializers.DictField(help_text='Details; validation errors put field errors under "fields".')


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


BAD_REQUEST = {400: error_response("Bad input or a broken business rule.")}
UNAUTHENTICATED = {401: error_response("No, invalid or expired credentials.")}
FORBIDDEN = {403: error_response("Authenticated, but not allowed.")}
NOT_FOUND = {404: error_response("No such object.")}
THROTTLED = {
    429: error_response("Too many requests: try again after Retry-After seconds (also in extra.wait_seconds).")
}

ERROR_RESPONSES = {**BAD_REQUEST, **UNAUTHENTICATED, **FORBIDDEN}

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the request can succeed.",
)


class AutoSchema(openapi.AutoSchema):
    """The project's schema class.

    - Documents 401, 403 and 429 on every operation where the view's
      authentication, permission and throttle classes can answer with them,
      so a new API cannot forget them.
    - Names nested serializers after their API: `EmailListApi.OutputSerializer`
      is `EmailListOutput`. Every API nests its own `InputSerializer` /
      `OutputSerializer`, so the default names (`Input`, `Output`) would
      collide across the schema. A serializer nested one level deeper is
      named after both: `TaskStatusApi.OutputSerializer.ProgressSerializer`
      is `TaskStatusOutputProgress`.
    """

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code, response in self._access_responses().items():
            if str(code) not in responses:
                # drf-spectacular documents no error response of its own
                # (https://github.com/tfranzel/drf-spectacular/issues/101, for
                # 401: https://github.com/tfranzel/drf-spectacular/issues/622),
                # and its public override, get_response_serializers(), is
                # replaced by @extend_schema(responses=...), which the APIs
                # here declare. So the responses are added here, built by its
                # private _get_response_for_code() as its own are (media types,
                # the Retry-After header). test_drf_spectacular_still_needs_our_access_responses
                # (tests/test_schema.py) watches both limits.
                responses[str(code)] = self._get_response_for_code(response, str(code))
        return operation

    def get_override_parameters(self) -> list[Any]:
        parameters = super().get_override_parameters()
        if self.view.get_throttles():
            parameters = [*parameters, RETRY_AFTER]
        return parameters

    def _access_responses(self) -> dict[int, OpenApiResponse]:
        """The error responses the view's access machinery can give, before the handler runs."""
        authenticators = self.view.get_authenticators()
        permissions = self.view.get_permissions()
        restricted = any(not isinstance(permission, AllowAny) for permission in permissions)
        responses: dict[int, OpenApiResponse] = {}
        # An invalid or expired token is refused even where anyone may call.
        if authenticators:
            responses.update(UNAUTHENTICATED)
        if restricted and (
            # A permission beyond "logged in" (staff, owner) refuses some users;
            # without authenticators DRF answers 403 instead of 401.
            any(not isinstance(permission, (AllowAny, IsAuthenticated)) for permission in permissions)
            or not authenticators
        ):
            responses.update(FORBIDDEN)
        # A session-authenticated unsafe request without a CSRF token.
        if self.method not in SAFE_METHODS and any(isinstance(a, SessionAuthentication) for a in authenticators):
            responses.update(FORBIDDEN)
        if self.view.get_throttles():
            responses.update(THROTTLED)
        return responses

    def get_serializer_name(
        self, serializer: serializers.Serializer[Any], direction: Literal["request", "response"]
    ) -> str:
        name = super().get_serializer_name(serializer, direction)
        api, *nested = type(serializer).__qualname__.split(".")
        if not nested:
            return name
        # Deeper nesting (`HealthApi.OutputSerializer.BeatSerializer`) reads the same way: `HealthOutputBeat`.
        return api.removesuffix("Api") + "".join(part.removesuffix("Serializer") for part in nested)
