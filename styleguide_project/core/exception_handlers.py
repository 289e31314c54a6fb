"""The one DRF exception handler: every error is `{"message": str, "extra": {...}}`."""

import logging
import traceback
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from styleguide_project.core.exceptions import ApplicationError, RequestTooLarge

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    # Django's own exceptions become their DRF twins so that DRF picks the
    # status code and headers (WWW-Authenticate, Retry-After) as usual.
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Django's own check, when something read the body before the parser did.
        exc = RequestTooLarge()

    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "extra": exc.extra}, status=status.HTTP_400_BAD_REQUEST)

    response = drf_exception_handler(exc, context)
    if response is None:
        return _unexpected_error_response(exc, context)

    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": "Validation error", "extra": {"fields": _as_fields(response.data)}}
    else:
        extra: dict[str, Any] = {}
        wait = getattr(exc, "wait", None)  # set by Throttled
        if wait is not None:
            extra["wait_seconds"] = wait
        response.data = {"message": _detail_message(response.data), "extra": extra}
    return response


def _as_fields(data: Any) -> dict[str, list[str]]:
    """Field errors as one flat map of field to messages.

    A serializer raises a dict of field errors; a bare ValidationError("...")
    raises a list, which belongs to no field. The errors of a list's items
    (`{"ids": {0: [...]}}`) and of a nested serializer's fields are named by
    their path (`ids.0`), so that every value is a list of messages, as the
    schema's `ValidationError` says.
    """
    fields: dict[str, list[str]] = {}
    _flatten("" if isinstance(data, dict) else "non_field_errors", data, fields)
    return fields


def _flatten(path: str, errors: Any, fields: dict[str, list[str]]) -> None:
    if isinstance(errors, dict):
        for key, value in errors.items():
            _flatten(f"{path}.{key}" if path else str(key), value, fields)
    elif isinstance(errors, list):
        for index, item in enumerate(errors):
            if isinstance(item, (dict, list)):
                # A list of objects (many=True) reports one entry per item, empty for the good ones.
                _flatten(f"{path}.{index}", item, fields)
            else:
                fields.setdefault(path, []).append(str(item))
    else:
        fields.setdefault(path, []).append(str(errors))


def _detail_message(data: Any) -> str:
    if isinstance(data, dict) and "detail" in data:
        return str(data["detail"])
    return str(data)


def _unexpected_error_response(exc: Exception, context: dict[str, Any]) -> Response:
    view = context.get("view")
    logger.error("Unhandled error in %s", type(view).__name__, exc_info=exc)
    extra: dict[str, Any] = {}
    if settings.DEBUG:
        # Only a developer's own machine sees what went wrong.
        extra["exception"] = repr(exc)
        extra["traceback"] = traceback.format_exception(exc)
    return Response({"message": "Internal server error", "extra": extra}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
