from celery import shared_task
from django.conf import settings

from styleguide_project.tasks.app.base import ProjectTask


# One DELETE transaction: a failed run changes nothing, the next run does the work.
@shared_task(base=ProjectTask, name="task_progress.task_ownership_delete_expired", needs_failure_handler=False)
def task_ownership_delete_expired() -> int:
    """Delete the ownership rows of runs older than CELERY_RESULT_EXPIRES; returns how many."""
    from styleguide_project.task_progress.services import task_ownership_delete_expired

    return task_ownership_delete_expired(expires=settings.CELERY_RESULT_EXPIRES)
