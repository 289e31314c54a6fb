"""The project's OpenAPI schema class: names, tags, security and the error responses of every operation."""

import re
from typing import Any, Literal

from django.apps import apps
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated

from styleguide_project.api.idempotency import is_idempotent
from styleguide_project.api.idempotency.schema import (
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY_PARAMETER,
    MALFORMED_KEY_RULE,
    REPLAYED_HEADERS,
)
from styleguide_project.core.error_schemas import (
    NOT_FOUND,
    NotAcceptableErrorSerializer,
    NotAuthenticatedErrorSerializer,
    NotFoundErrorSerializer,
    PermissionDeniedErrorSerializer,
    RequestTooLargeErrorSerializer,
    RuleErrorSerializer,
    ThrottledErrorSerializer,
    UnavailableErrorSerializer,
    UnsupportedMediaTypeErrorSerializer,
    ValidationErrorSerializer,
    rule_broken,
)

__all__ = ["NOT_FOUND", "AutoSchema", "one_of_bodies_required", "parameter_enums_as_refs", "rule_broken"]

# The error responses each kind of trouble gets: (schema, description).
UNAUTHENTICATED = (NotAuthenticatedErrorSerializer, "No, invalid or expired credentials.")
FORBIDDEN = (PermissionDeniedErrorSerializer, "Authenticated, but not allowed.")
MISSING = (NotFoundErrorSerializer, "No such object.")
NOT_ACCEPTABLE = (NotAcceptableErrorSerializer, "The Accept header names no type the API answers in.")
TOO_LARGE = (RequestTooLargeErrorSerializer, "The request body is too large.")
UNSUPPORTED_MEDIA_TYPE = (UnsupportedMediaTypeErrorSerializer, "The request body is not JSON.")
THROTTLED = (
    ThrottledErrorSerializer,
    "Too many requests: try again after Retry-After seconds (also in extra.wait_seconds).",
)
UNAVAILABLE = (
    UnavailableErrorSerializer,
    "The request cannot be counted against its limits right now: try again after Retry-After seconds.",
)
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before the request can succeed."}
}

# The view's name without its `Api` suffix, in snake case: `EmailCampaignLaunchApi` is `email_campaign_launch`.
_WORD = re.compile(r"[A-Z][a-z0-9]*")


class AutoSchema(openapi.AutoSchema):
    """The project's schema class.

    - Every operation is tagged with its app (a generated client has a module
      per app) and named `<app>_<entity>_<action>` after its view:
      `EmailListApi` in the emails app is `emails_email_list`.
    - Operations anyone may call carry no security requirement, so that
      generated clients call them without credentials; a staff operation's
      description names the model permission it needs.
    - A GET of a view with a `pagination_class` documents its paginator's
      parameters (the project's APIs paginate by hand in `APIView`s).
    - Lists every error the operation can answer, each kind with its own
      schema (core/error_schemas.py): validation and malformed bodies (400),
      401, 403 and 429 (with `Retry-After`) where the view's authentication,
      permission and throttle classes can answer them, 404 where the path
      names an object, 406, and 413 and 415 where there is a request body. A
      view declares only the errors of its own rules (`rule_broken()`).
    - A handler that honours `Idempotency-Key` (`@idempotent`) documents the
      header, its 409 and 422, and the header of a replayed answer.
    - Names nested serializers after their API: `EmailListApi.OutputSerializer`
      is `EmailListOutput`. Every API nests its own `InputSerializer` /
      `OutputSerializer`, so the default names (`Input`, `Output`) would
      collide across the schema. A serializer nested one level deeper is
      named after both: `TaskStatusApi.OutputSerializer.ProgressSerializer`
      is `TaskStatusOutputProgress`.

    Only drf-spectacular's public hooks are overridden. The error responses
    are added to the finished operation, built here (media types from
    `map_renderers()`, the `Retry-After` header): drf-spectacular documents no
    error response by itself (https://github.com/tfranzel/drf-spectacular/issues/101,
    for 401 https://github.com/tfranzel/drf-spectacular/issues/622), and its
    public override for responses, `get_response_serializers()`, is replaced
    by the `@extend_schema(responses=...)` every API here declares.
    `test_drf_spectacular_still_needs_our_access_responses` (tests/test_schema.py)
    watches both limits.
    """

    def get_tags(self) -> list[str]:
        return [self._app_label()]

    def get_operation_id(self) -> str:
        name = self._api().__name__.removesuffix("Api")
        return "_".join([self._app_label(), *(word.lower() for word in _WORD.findall(name))])

    # drf-spectacular's signature; DRF's stubs type its older inspector's, which takes the path and method.
    def get_description(self) -> str:  # type: ignore[override]
        apis = getattr(type(self.view), "apis_by_method", None)
        description: str = super().get_description() if apis is None else get_doc(apis[self.method])
        # The model permissions a staff caller needs (StaffPermission), as the admin names them.
        perms = [perm for permission in self.view.get_permissions() for perm in getattr(permission, "perms", ())]
        if perms:
            needed = ", ".join(f"`{perm}`" for perm in perms)
            description = f"{description}\n\nFor active staff with the permission {needed}.".lstrip()
        return description

    def _api(self) -> type:
        """The API that answers this operation: the view's class, or the API of this method where one URL
        serves an API per method (`api_by_method`)."""
        apis = getattr(type(self.view), "apis_by_method", None)
        return apis[self.method] if apis is not None else type(self.view)

    def _app_label(self) -> str:
        config = apps.get_containing_app_config(self._api().__module__)
        return config.label if config is not None else "api"

    def get_auth(self) -> list[dict[str, list[str]]]:
        if all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            # Anyone may call it: no requirement at all (drf-spectacular's `{}` reads as "credentials optional",
            # and generated clients then ask for them).
            return []
        auth: list[dict[str, list[str]]] = super().get_auth()
        return auth

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = super().get_override_parameters()
        pagination_class = getattr(self.view, "pagination_class", None)
        if pagination_class is not None and self.method == "GET":
            parameters += [
                OpenApiParameter(
                    parameter["name"],
                    type=parameter["schema"],
                    location=parameter["in"],
                    required=parameter.get("required", False),
                    description=parameter.get("description", ""),
                )
                for parameter in pagination_class().get_schema_operation_parameters(self.view)
            ]
        if self._idempotent():
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return parameters

    def _idempotent(self) -> bool:
        return is_idempotent(getattr(self.view, self.method.lower(), None))

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        bad_request = self._bad_request(operation)
        if bad_request is not None:
            responses["400"] = bad_request
        for code, (serializer, description) in self._error_responses(operation).items():
            if str(code) not in responses:
                responses[str(code)] = self._error_response(code, [serializer], description)
        if self._idempotent():
            for code in (code for code in responses if code.startswith("2")):
                responses[code]["headers"] = {**responses[code].get("headers", {}), **REPLAYED_HEADERS}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_response(
        self, code: int, kinds: list[type[serializers.Serializer[Any]]], description: str
    ) -> dict[str, Any]:
        refs = [self.resolve_serializer(kind, "response").ref for kind in kinds]
        schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
        response: dict[str, Any] = {
            "content": {media_type: {"schema": schema} for media_type in self.map_renderers("media_type")},
            "description": description,
        }
        if code in (429, 503):
            response = {"headers": RETRY_AFTER, **response}
        return response

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
        rules = [declared["description"]] if declared and declared.get("description") else []
        if "requestBody" in operation:
            rules.append("Also when the body is not JSON.")
        if self._idempotent():
            rules.append(MALFORMED_KEY_RULE)
        described: dict[type[serializers.Serializer[Any]], str] = {
            ValidationErrorSerializer: "ValidationError: the input was refused (extra.fields).",
            RuleErrorSerializer: "RuleError: " + " ".join(rules),
        }
        return self._error_response(400, kinds, " ".join(described[kind] for kind in kinds))

    def _error_responses(self, operation: dict[str, Any]) -> dict[int, tuple[type[serializers.Serializer[Any]], str]]:
        """The error responses the view's classes and the request's shape can give, besides 400."""
        authenticators = self.view.get_authenticators()
        permissions = self.view.get_permissions()
        throttles = self.view.get_throttles()
        restricted = any(not isinstance(permission, AllowAny) for permission in permissions)
        responses: dict[int, tuple[type[serializers.Serializer[Any]], str]] = {}
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
            responses[404] = MISSING
        responses[406] = NOT_ACCEPTABLE
        if "requestBody" in operation:
            responses[413] = TOO_LARGE
            responses[415] = UNSUPPORTED_MEDIA_TYPE
        if self._idempotent():
            responses.update(IDEMPOTENCY_ERRORS)
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


def one_of_bodies_required(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """A postprocessing hook: a body that is one of several shapes, each with a required field, is required.

    drf-spectacular marks a body required when its schema has required
    properties, which a `oneOf` (`PolymorphicProxySerializer`) has only in its
    variants; generated clients would then make the body optional.
    """
    schemas = result.get("components", {}).get("schemas", {})

    def component(schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref", "")
        found: dict[str, Any] = schemas.get(ref.rsplit("/", 1)[-1], schema) if ref else schema
        return found

    for path in result.get("paths", {}).values():
        for operation in path.values():
            body = operation.get("requestBody")
            if body is None:
                continue
            for content in body["content"].values():
                variants = component(content["schema"]).get("oneOf", [])
                if variants and all(component(variant).get("required") for variant in variants):
                    body["required"] = True
    return result
