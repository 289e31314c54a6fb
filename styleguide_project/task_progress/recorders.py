"""celery-progress's `ProgressRecorder`, with a warning for the one way it silently fails here."""

import logging
from typing import Any

from celery import Task
from celery_progress.backend import ProgressRecorder
from django.db import transaction

from styleguide_project.task_progress.services import task_ownership_progress_record

logger = logging.getLogger(__name__)


class TaskProgressRecorder(ProgressRecorder):
    """`ProgressRecorder(self)` for project tasks: `set_progress(current, total, description)`.

    The django-db result backend stores progress through the task's own
    database connection. Inside a `transaction.atomic` block that write is
    invisible to every other connection until the commit, so the progress
    page would jump from waiting to done (czue/celery-progress#55). Tasks must
    record progress between transactions; this recorder logs a warning when
    one does not, on a worker (eager runs share the caller's transaction).
    """

    task: Task

    def set_progress(self, current: float, total: float, description: str = "") -> Any:
        if transaction.get_connection().in_atomic_block and not self.task.request.is_eager:
            logger.warning(
                "%s records progress inside a transaction: nobody sees it until the commit. "
                "Record progress between transactions.",
                self.task.name,
            )
        info = super().set_progress(current, total, description)
        if self.task.request.id:
            task_ownership_progress_record(task_id=self.task.request.id, current=int(current), total=int(total))
        return info
