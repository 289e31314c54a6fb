from celery import shared_task

from styleguide_project.tasks.app.base import ProjectTask


# One DELETE transaction: a failed run changes nothing, the next run does the work.
@shared_task(base=ProjectTask, name="api.idempotency_key_delete_expired", needs_failure_handler=False)
def idempotency_key_delete_expired() -> int:
    """Delete the idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many."""
    from styleguide_project.api.idempotency.services import idempotency_key_delete_expired, idempotency_key_ttl

    return idempotency_key_delete_expired(expires=idempotency_key_ttl())
