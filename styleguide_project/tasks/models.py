"""The kit's tables, each defined in the room it serves; Django finds an app's models here."""

from styleguide_project.tasks.outbox.models import DeadLetter, OutboxRun
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask, PeriodicTaskSyncState

__all__ = ("DeadLetter", "ManagedPeriodicTask", "OutboxRun", "PeriodicTaskSyncState")
