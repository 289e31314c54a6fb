"""The project's OpenAPI schema class: names, tags, security and the error responses of every operation."""

import re
from typing import Any, Literal

from django.apps import apps
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated

from styleguide_project.core.error_schemas import (
    NOT_FOUND,
    NotAcceptableErrorSerializer,
    NotAuthenticatedErrorSerializer,
    PermissionDeniedErrorSerializer,
    RequestTooLargeErrorSerializer,
    RuleErrorSerializer,
    ThrottledErrorSerializer,
    UnavailableErrorSerializer,
    UnsupportedMediaTypeErrorSerializer,
    ValidationErrorSerializer,
    error_response,
    rule_broken,
)

__all__ = ["NOT_FOUND", "AutoSchema", "parameter_enums_as_refs", "rule_broken"]

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    location=OpenApiParameter.HEADER,
    response=[429, 503],
    description="Seconds to wait before the request can succeed.",
)

# 400 is made of several kinds (see `_bad_request`); the others are one kind each.
UNAUTHENTICATED = error_response(NotAuthenticatedErrorSerializer, "No, invalid or expired credentials.")
FORBIDDEN = error_response(PermissionDeniedErrorSerializer, "Authenticated, but not allowed.")
NOT_ACCEPTABLE = error_response(NotAcceptableErrorSerializer, "The Accept header names no type the API answers in.")
TOO_LARGE = error_response(RequestTooLargeErrorSerializer, "The request body is too large.")
UNSUPPORTED_MEDIA_TYPE = error_response(UnsupportedMediaTypeErrorSerializer, "The request body is not JSON.")
THROTTLED = error_response(
    ThrottledErrorSerializer, "Too many requests: try again after Retry-After seconds (also in extra.wait_seconds)."
)
UNAVAILABLE = error_response(
    UnavailableErrorSerializer,
    "The request cannot be counted against its limits right now: try again after Retry-After seconds.",
)

# The view's name without its `Api` suffix, in snake case: `EmailCampaignLaunchApi` is `email_campaign_launch`.
_WORD = re.compile(r"[A-Z][a-z0-9]*")


class AutoSchema(openapi.AutoSchema):
    """The project's schema class.

    - Every operation is tagged with its app (a generated client has a module
      per app) and named `<app>_<entity>_<action>` after its view:
      `EmailListApi` in the emails app is `emails_email_list`.
    - Operations anyone may call carry no security requirement, so that
      generated clients call them without credentials.
    - Lists every error the operation can answer, each kind with its own
      schema (core/error_schemas.py): validation and malformed bodies (400),
      401, 403 and 429 (with `Retry-After`) where the view's authentication,
      permission and throttle classes can answer them, 404 where the path
      names an object, 406, and 413 and 415 where there is a request body. A
      view declares only the errors of its own rules (`rule_broken()`).
    - Names nested serializers after their API: `EmailListApi.OutputSerializer`
      is `EmailListOutput`. Every API nests its own `InputSerializer` /
      `OutputSerializer`, so the default names (`Input`, `Output`) would
      collide across the schema. A serializer nested one level deeper is
      named after both: `TaskStatusApi.OutputSerializer.ProgressSerializer`
      is `TaskStatusOutputProgress`.
    """

    def get_tags(self) -> list[str]:
        return [self._app_label()]

    def get_operation_id(self) -> str:
        name = type(self.view).__name__.removesuffix("Api")
        return "_".join([self._app_label(), *(word.lower() for word in _WORD.findall(name))])

    def _app_label(self) -> str:
        config = apps.get_containing_app_config(type(self.view).__module__)
        return config.label if config is not None else "api"

    def get_auth(self) -> list[dict[str, list[str]]]:
        if all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            # Anyone may call it: no requirement at all (drf-spectacular's `{}` reads as "credentials optional",
            # and generated clients then ask for them).
            return []
        auth: list[dict[str, list[str]]] = super().get_auth()
        return auth

    def _get_paginator(self) -> Any:
        pagination_class = getattr(self.view, "pagination_class", None)
        return pagination_class() if pagination_class is not None else None

    def _get_pagination_parameters(self) -> list[dict[str, Any]]:
        # The project's list APIs are APIViews that paginate by hand; a GET of a view with a paginator pages.
        paginator = self._get_paginator()
        if paginator is None or self.method != "GET":
            return []
        parameters: list[dict[str, Any]] = paginator.get_schema_operation_parameters(self.view)
        return parameters

    def get_override_parameters(self) -> list[Any]:
        parameters = super().get_override_parameters()
        if self.view.get_throttles():
            parameters = [*parameters, RETRY_AFTER]
        return parameters

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        bad_request = self._bad_request(operation)
        if bad_request is not None:
            responses["400"] = bad_request
        for code, response in self._error_responses(operation).items():
            responses.setdefault(str(code), self._get_response_for_code(response, str(code)))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _bad_request(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        """The 400 answer: a validation error where there is input, a rule error where a rule or a body can refuse."""
        declared = operation["responses"].get("400")
        kinds: list[type[serializers.Serializer[Any]]] = []
        if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
            kinds.append(ValidationErrorSerializer)
        # A body that is not JSON (or nested too deep) is refused before any field is read.
        if "requestBody" in operation or declared is not None:
            kinds.append(RuleErrorSerializer)
        if not kinds:
            return None
        refs = [self.resolve_serializer(kind, "response").ref for kind in kinds]
        rules = [declared["description"]] if declared and declared.get("description") else []
        if "requestBody" in operation:
            rules.append("Also when the body is not JSON.")
        rule = " ".join(rules)
        described = {
            ValidationErrorSerializer: "ValidationError: the input was refused (extra.fields).",
            RuleErrorSerializer: f"RuleError: {rule}",
        }
        description = " ".join(described[kind] for kind in kinds)
        schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
        return self._get_response_for_code(OpenApiResponse(response=schema, description=description), "400")

    def _error_responses(self, operation: dict[str, Any]) -> dict[int, OpenApiResponse]:
        """The error responses the view's classes and the request's shape can give, before the handler runs."""
        authenticators = self.view.get_authenticators()
        permissions = self.view.get_permissions()
        throttles = self.view.get_throttles()
        restricted = any(not isinstance(permission, AllowAny) for permission in permissions)
        responses: dict[int, OpenApiResponse] = {}
        # An invalid or expired token is refused even where anyone may call.
        if authenticators:
            responses[401] = UNAUTHENTICATED
        if restricted and (
            # A permission beyond "logged in" (staff, owner) refuses some users;
            # without authenticators DRF answers 403 instead of 401.
            any(not isinstance(permission, (AllowAny, IsAuthenticated)) for permission in permissions)
            or not authenticators
        ):
            responses[403] = FORBIDDEN
        # A session-authenticated unsafe request without a CSRF token.
        if self.method not in SAFE_METHODS and any(isinstance(a, SessionAuthentication) for a in authenticators):
            responses[403] = FORBIDDEN
        # The object the path names does not exist (or the path's value cannot name one).
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            responses.update(NOT_FOUND)
        responses[406] = NOT_ACCEPTABLE
        if "requestBody" in operation:
            responses[413] = TOO_LARGE
            responses[415] = UNSUPPORTED_MEDIA_TYPE
        if throttles:
            responses[429] = THROTTLED
        # A throttle that must count refuses the request while it cannot (the login throttles).
        if any(getattr(throttle, "fail_open", True) is False for throttle in throttles):
            responses[503] = UNAVAILABLE
        return responses

    def get_serializer_name(
        self, serializer: serializers.Serializer[Any], direction: Literal["request", "response"]
    ) -> str:
        name = super().get_serializer_name(serializer, direction)
        api, *nested = type(serializer).__qualname__.split(".")
        if not nested:
            return name
        # Deeper nesting (`HealthReportApi.OutputSerializer.BeatSerializer`) reads the same way.
        return api.removesuffix("Api") + "".join(part.removesuffix("Serializer") for part in nested)


def parameter_enums_as_refs(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """A postprocessing hook: a parameter whose choices are an enum of the schema refers to that enum.

    drf-spectacular writes the choices of a query parameter inline, so a
    generated client would get a second enum for the same values (the
    `status` filter beside `EmailStatusEnum`).
    """
    enums = {
        tuple(sorted(map(str, schema["enum"]))): name
        for name, schema in result.get("components", {}).get("schemas", {}).items()
        if "enum" in schema
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                choices = parameter.get("schema", {}).get("enum")
                name = enums.get(tuple(sorted(map(str, choices)))) if choices else None
                if name is not None:
                    parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
                    parameter.pop("description", None)
    return result
