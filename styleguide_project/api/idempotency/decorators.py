"""`@idempotent` on an API's handler: a request sent again with the same `Idempotency-Key` gets the first answer.

What is stored, like Stripe's API: the answer of every request that began
its work, success or refusal (a broken rule, a missing object), so a retry
learns what the first attempt did. Not stored, so that a retry runs again:
a request whose input was refused before any work began (a `ValidationError`,
400 with `extra.fields`: like Stripe's failed parameter validation), one that
conflicted with a request still running (409), and any 5xx (Stripe stores
these too; here the work of a failed request rolls back, so a retry can
succeed).
"""

import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, transaction
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.idempotency.services import (
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_release,
)
from styleguide_project.api.models import IdempotencyKey
from styleguide_project.core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# On an answer replayed from an earlier request with the same key.
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Printable ASCII, what a Structured Fields string may hold (RFC 8941), up to Stripe's 255 characters.
_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")
# The draft's form: a Structured Fields string, in double quotes, with `\"` and `\\` as its only escapes.
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')

Handler = Callable[..., Response]


class _NotStoredError(Exception):
    """The answer is not to be stored: the request's work rolls back and its key is freed."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def idempotent(handler: Handler) -> Handler:
    """Make an `APIView` handler (`post`) honour `Idempotency-Key`; without the header it runs as before.

    The key is per user, method and path; a retry with the same key and body
    within IDEMPOTENCY_KEY_TTL_HOURS gets the first answer, with
    `Idempotent-Replayed: true`, and does nothing again. The handler's work
    and the stored answer commit in one transaction, so the handler's
    `on_commit` work (queueing tasks) runs after the answer is computed.
    The schema (api.schemas.AutoSchema) documents the header and the 409 and
    422 answers of every handler decorated with this.
    """

    @functools.wraps(handler)
    def idempotent_handler(self: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw_key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
        if raw_key is None:
            return handler(self, request, *args, **kwargs)
        key = idempotency_key_parse(raw_key)
        if not request.user.is_authenticated:
            raise ApplicationError(f"An {IDEMPOTENCY_KEY_HEADER} is kept per user: log in to send one.")
        claimed = idempotency_key_claim(
            user=request.user,
            method=request.method or "",
            path=request.path,
            key=key,
            # Reading the body may refuse it (not JSON, too large): nothing is claimed then.
            request_fingerprint=request_fingerprint(request.data),
        )
        if claimed.response_status is not None:
            return Response(claimed.response_body, status=claimed.response_status, headers={REPLAYED_HEADER: "true"})
        try:
            with transaction.atomic():
                response = _answer(self, handler, request, *args, **kwargs)
                if response.status_code >= 500:
                    raise _NotStoredError(response)
                idempotency_key_complete(
                    idempotency_key=claimed, response_status=response.status_code, response_body=_as_json(response)
                )
        except _NotStoredError as not_stored:
            _release(claimed)
            return not_stored.response
        except BaseException:
            _release(claimed)
            raise
        return response

    idempotent_handler.idempotent = True  # type: ignore[attr-defined]
    return idempotent_handler


def is_idempotent(handler: Any) -> bool:
    """The handler honours `Idempotency-Key` (`@idempotent`)."""
    return bool(getattr(handler, "idempotent", False))


def idempotency_key_parse(value: str) -> str:
    """The key a header value names: the draft's quoted string, or the bare value Stripe's clients send.

    Raises ApplicationError (400) when it is empty, too long or not printable ASCII.
    """
    quoted = _SF_STRING.fullmatch(value)
    key = re.sub(r"\\(.)", r"\1", quoted.group(1)) if quoted else value
    if not _KEY.fullmatch(key) or not key.strip():
        raise ApplicationError(
            f"{IDEMPOTENCY_KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, such as a UUID.",
            extra={"header": IDEMPOTENCY_KEY_HEADER},
        )
    return key


def request_fingerprint(data: Any) -> str:
    """sha256 of the parsed body written canonically: the same JSON however its keys are ordered or spaced."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _answer(view: APIView, handler: Handler, request: Request, *args: Any, **kwargs: Any) -> Response:
    try:
        return handler(view, request, *args, **kwargs)
    except (exceptions.ValidationError, DjangoValidationError):
        # The input was refused before any work began: not stored, as the module says.
        raise
    except Exception as exc:  # noqa: BLE001 - answered here as DRF would, to be stored (or not) like any answer
        return view.handle_exception(exc)


def _release(claimed: IdempotencyKey) -> None:
    """Free the key for a retry; when the database is what failed, the key frees itself after LOCK_SECONDS."""
    try:
        idempotency_key_release(idempotency_key=claimed)
    except DatabaseError:
        # The request's own error is the one to answer with, not this one.
        logger.warning("Could not release the Idempotency-Key %s", claimed.pk, exc_info=True)


def _as_json(response: Response) -> Any:
    """The body as the client got it in JSON, so that a replay renders the same bytes."""
    return json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
