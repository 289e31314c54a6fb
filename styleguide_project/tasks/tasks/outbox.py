from datetime import timedelta

from celery import shared_task
from django.conf import settings

from styleguide_project.tasks.base import ProjectTask


# One DELETE transaction: a failed run changes nothing, the next run does the work.
@shared_task(base=ProjectTask, name="tasks.outbox_run_delete_finished", needs_failure_handler=False)
def outbox_run_delete_finished() -> int:
    """Delete the outbox runs finished more than OUTBOX_RETENTION_DAYS ago; returns how many."""
    from styleguide_project.tasks.services.outbox import outbox_run_delete_finished

    return outbox_run_delete_finished(older_than=timedelta(days=settings.OUTBOX_RETENTION_DAYS))
