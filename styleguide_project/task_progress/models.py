from django.conf import settings
from django.db import models

from styleguide_project.common.models import BaseModel


class TaskOwnership(BaseModel):
    """Who queued a task run: only that user, or staff, may see its progress.

    Written in the same transaction as the work that queues the run, with the
    run's id chosen up front, so the row exists before the task can start and
    disappears with a rollback that also cancels the run.
    """

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_ownerships")
    # The last count the run recorded (TaskProgressRecorder). The result
    # backend replaces the progress with the return value when the run ends;
    # kept here, the count after the end is the real one. None: none recorded.
    progress_current = models.PositiveIntegerField(null=True, blank=True)
    progress_total = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}] queued by {self.user}"
