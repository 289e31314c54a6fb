"""Claiming an `Idempotency-Key`, recording the answer of its request, releasing it, deleting expired ones."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import exceptions, status

from styleguide_project.api.models import IdempotencyKey

if TYPE_CHECKING:
    # Only for types: the users app's APIs import this app.
    from styleguide_project.users.models import BaseUser

# A request that holds its key longer than this is taken for dead (its worker
# was killed: gunicorn's timeout, GUNICORN_TIMEOUT, is 30 s by default), and
# another request with the key may take it over. Should the first still be
# running, it can no longer record its answer, and its work rolls back.
LOCK_SECONDS = 300


class IdempotencyKeyInUse(exceptions.APIException):
    """Another request with this key is still running: 409, try again once it has answered."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed. Try again shortly."
    default_code = "idempotency_key_in_use"


class IdempotencyKeyReused(exceptions.APIException):
    """The key came with another body before: 422, a key names one request."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with another request body. Use a new key for a new request."
    default_code = "idempotency_key_reused"


def idempotency_key_ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_key_claim(
    *, user: "BaseUser", method: str, path: str, key: str, request_fingerprint: str
) -> IdempotencyKey:
    """The key's row for this request: a new one to run the request under, or the one that has its answer.

    A returned row with `response_status` None is this request's to run (and
    to complete or release); one with a status is an earlier answer to replay.
    The row is inserted (and committed, outside a transaction) before the
    request runs: of two requests with the same key, the unique constraint
    lets one in. The other gets `IdempotencyKeyInUse` while the first runs,
    and `IdempotencyKeyReused` whenever its body differs.
    """
    scope = IdempotencyKey.objects.filter(user=user, method=method, path=path, key=key)
    # A few rounds: a row may come or go between reading it and inserting ours.
    for _ in range(3):
        now = timezone.now()
        existing = scope.first()
        if existing is not None and existing.created_at < now - idempotency_key_ttl():
            # An expired key is free again: its old row goes, and the same key starts a new request.
            scope.filter(id=existing.id, created_at=existing.created_at).delete()
            existing = None
        if existing is None:
            claimed = IdempotencyKey(
                user=user, method=method, path=path, key=key, request_fingerprint=request_fingerprint, locked_at=now
            )
            # The user is the request's own; the unique constraint is checked by the insert itself.
            claimed.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
            try:
                with transaction.atomic():
                    claimed.save()
            except IntegrityError:
                # Another request with this key inserted its row first: read it.
                continue
            return claimed
        if existing.request_fingerprint != request_fingerprint:
            raise IdempotencyKeyReused
        if existing.response_status is not None:
            return existing
        if existing.locked_at > now - timedelta(seconds=LOCK_SECONDS):
            raise IdempotencyKeyInUse
        # Its holder died mid-way (its work rolled back with it): this request runs in its place.
        if _held(existing).update(locked_at=now):
            existing.locked_at = now
            return existing
    raise IdempotencyKeyInUse


def idempotency_key_complete(*, idempotency_key: IdempotencyKey, response_status: int, response_body: Any) -> None:
    """Record the answer of the request that claimed the key.

    Call it inside the transaction of the request's work: the answer and the
    work commit together, or neither does. Raises `IdempotencyKeyInUse` (to
    roll the work back) when another request took the key over meanwhile.
    """
    now = timezone.now()
    if not _held(idempotency_key).update(response_status=response_status, response_body=response_body, updated_at=now):
        raise IdempotencyKeyInUse
    idempotency_key.response_status = response_status
    idempotency_key.response_body = response_body


def idempotency_key_release(*, idempotency_key: IdempotencyKey) -> None:
    """Free the key of a request that stored no answer (it failed, or its input was refused), for a retry."""
    _held(idempotency_key).delete()


def idempotency_key_delete_expired(*, expires: timedelta) -> int:
    """Delete the keys created more than `expires` ago, answered or not; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - expires).delete()
    return deleted


def _held(idempotency_key: IdempotencyKey) -> QuerySet[IdempotencyKey]:
    """The key's row while it is still held by the request that claimed (or took over) it, unanswered."""
    return IdempotencyKey.objects.filter(
        id=idempotency_key.id, locked_at=idempotency_key.locked_at, response_status__isnull=True
    )
