from typing import Any

from rest_framework import exceptions, status


class ApplicationError(Exception):
    """A business rule was broken; the API answers 400 with `message` and `extra`."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class RequestTooLarge(exceptions.APIException):
    """A request body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, in the error shape like every error."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"
