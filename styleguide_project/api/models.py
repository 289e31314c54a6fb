from django.conf import settings
from django.db import models

from styleguide_project.common.models import BaseModel


class IdempotencyKey(BaseModel):
    """A client's `Idempotency-Key` on one API (method and path): the request it came with, and its answer.

    The row is inserted and committed before the request runs, so a second
    request with the same key finds it (the unique constraint) while the
    first is still running. The answer is written in the transaction of the
    request's own work: both are there, or neither. A row without an answer
    is a request in progress; `locked_at` tells whether its holder may have
    died without releasing it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    key = models.CharField(max_length=255)
    # sha256 of the request body as parsed, written canonically (sorted keys, no spaces).
    request_fingerprint = models.CharField(max_length=64)
    locked_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "method", "path", "key"], name="api_idempotencykey_unique_scope")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] of {self.user_id}"
