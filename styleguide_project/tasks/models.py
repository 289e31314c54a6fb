"""The kit's tables, each defined in the room it serves; Django finds an app's models here."""

from styleguide_project.tasks.outbox.models import CancelledRun, DeadLetter, OutboxRun
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask, PeriodicTaskSyncState

__all__ = ("CancelledRun", "DeadLetter", "ManagedPeriodicTask", "OutboxRun", "PeriodicTaskSyncState")
