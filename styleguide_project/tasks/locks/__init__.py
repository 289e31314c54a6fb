"""One run at a time: `one_instance` and the locks behind it."""

from styleguide_project.tasks.locks.selectors import HeldLock, task_lock_list
from styleguide_project.tasks.locks.services import task_lock_free
from styleguide_project.tasks.locks.task_lock import TaskLock, one_instance, one_instance_skipped, task_lock

__all__ = (
    "HeldLock",
    "TaskLock",
    "one_instance",
    "one_instance_skipped",
    "task_lock",
    "task_lock_free",
    "task_lock_list",
)
