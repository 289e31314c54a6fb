"""The outbox's own periodic clean-ups, thin tasks over its services."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from styleguide_project.tasks.app import ProjectTask


# One DELETE transaction: a failed run changes nothing, the next run does the work.
@shared_task(base=ProjectTask, name="tasks.outbox_run_delete_finished", needs_failure_handler=False)
def outbox_run_delete_finished() -> int:
    """Delete the outbox runs finished more than OUTBOX_RETENTION_DAYS ago; returns how many."""
    from styleguide_project.tasks.outbox.services.runs import outbox_run_delete_finished

    return outbox_run_delete_finished(older_than=timedelta(days=settings.OUTBOX_RETENTION_DAYS))


# One DELETE transaction: a failed run changes nothing, the next run does the work.
@shared_task(base=ProjectTask, name="tasks.dead_letter_delete_expired", needs_failure_handler=False)
def dead_letter_delete_expired() -> int:
    """Delete the dead letters older than DEAD_LETTER_RETENTION_DAYS; returns how many were deleted."""
    from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_delete_expired

    return dead_letter_delete_expired(older_than=timedelta(days=settings.DEAD_LETTER_RETENTION_DAYS))
