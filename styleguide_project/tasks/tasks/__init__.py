"""Tasks owned by the tasks app itself."""

from styleguide_project.tasks.tasks.outbox import outbox_run_delete_finished
from styleguide_project.tasks.tasks.results import task_result_delete_expired

__all__ = ("outbox_run_delete_finished", "task_result_delete_expired")
