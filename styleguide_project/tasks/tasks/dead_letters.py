from datetime import timedelta

from celery import shared_task
from django.conf import settings

from styleguide_project.tasks.base import ProjectTask


# One DELETE transaction: a failed run changes nothing, the next run does the work.
@shared_task(base=ProjectTask, name="tasks.dead_letter_delete_expired", needs_failure_handler=False)
def dead_letter_delete_expired() -> int:
    """Delete the dead letters older than DEAD_LETTER_RETENTION_DAYS; returns how many were deleted."""
    from styleguide_project.tasks.services import dead_letter_delete_expired

    return dead_letter_delete_expired(older_than=timedelta(days=settings.DEAD_LETTER_RETENTION_DAYS))
