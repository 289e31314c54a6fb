"""The api app's own task only cleans up after its idempotency keys."""

from styleguide_project.api.tasks.cleanup import idempotency_key_delete_expired

__all__ = ("idempotency_key_delete_expired",)
