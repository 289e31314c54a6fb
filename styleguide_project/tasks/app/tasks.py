from celery import shared_task
from django.conf import settings

from styleguide_project.tasks.app.base import ProjectTask


# One DELETE transaction: a failed run changes nothing, the next run does the work.
@shared_task(base=ProjectTask, name="tasks.task_result_delete_expired", needs_failure_handler=False)
def task_result_delete_expired() -> dict[str, int]:
    """Delete the results older than CELERY_RESULT_EXPIRES; returns how many were deleted."""
    from styleguide_project.tasks.app.results import task_result_delete_expired

    return task_result_delete_expired(expires=settings.CELERY_RESULT_EXPIRES)
