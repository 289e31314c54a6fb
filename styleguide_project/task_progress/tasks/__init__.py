"""task_progress shows the progress of other apps' tasks; its own task only cleans up after them."""

from styleguide_project.task_progress.tasks.cleanup import task_ownership_delete_expired

__all__ = ("task_ownership_delete_expired",)
