"""What the OpenAPI schema says of a handler that honours `Idempotency-Key`; `api.schemas.AutoSchema` adds it."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from styleguide_project.api.idempotency.decorators import IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER
from styleguide_project.core.error_schemas import (
    IdempotencyKeyInUseErrorSerializer,
    IdempotencyKeyReusedErrorSerializer,
)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=f"Any string of 1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID), new for each new "
    "request. A retry with the same key and body within IDEMPOTENCY_KEY_TTL_HOURS (24) gets the first answer, "
    f"with `{REPLAYED_HEADER}: true`, and does nothing again; the same key with another body is a 422, while the "
    "first is still running a 409. The answer is not kept when the input's fields were refused (400 "
    '`ValidationError`) or on a 5xx: a retry then runs again. The draft standard\'s quoted form (`"..."`) is '
    "read too. Without it the request runs every time.",
)

IDEMPOTENCY_ERRORS: dict[int, tuple[type[serializers.Serializer[Any]], str]] = {
    409: (
        IdempotencyKeyInUseErrorSerializer,
        f"A request with the same {IDEMPOTENCY_KEY_HEADER} is still being processed; this one did nothing. "
        "Try again shortly.",
    ),
    422: (
        IdempotencyKeyReusedErrorSerializer,
        f"The {IDEMPOTENCY_KEY_HEADER} was used before with another body; this request did nothing.",
    ),
}

# On each 2xx answer.
REPLAYED_HEADERS = {
    REPLAYED_HEADER: {
        "schema": {"type": "boolean"},
        "description": f"`true` on an answer replayed from an earlier request with the same {IDEMPOTENCY_KEY_HEADER}.",
    }
}

MALFORMED_KEY_RULE = f"Also when the {IDEMPOTENCY_KEY_HEADER} header is malformed."
