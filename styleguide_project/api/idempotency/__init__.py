"""Idempotent creation: a POST sent again with the same `Idempotency-Key` header gets the first answer.

An API opts in with `@idempotent` on its handler (decorators.py). The key's
row and its answer are in `api.models.IdempotencyKey`, claimed and completed
by services.py; the periodic task `api.idempotency_key_delete_expired`
deletes them after IDEMPOTENCY_KEY_TTL_HOURS.
"""

from styleguide_project.api.idempotency.decorators import (
    IDEMPOTENCY_KEY_HEADER,
    REPLAYED_HEADER,
    idempotent,
    is_idempotent,
)

__all__ = ["IDEMPOTENCY_KEY_HEADER", "REPLAYED_HEADER", "idempotent", "is_idempotent"]
