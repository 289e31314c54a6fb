"""Tasks owned by the tasks app itself."""

from styleguide_project.tasks.tasks.dead_letters import dead_letter_delete_expired
from styleguide_project.tasks.tasks.outbox import outbox_run_delete_finished
from styleguide_project.tasks.tasks.results import task_result_delete_expired

__all__ = ("dead_letter_delete_expired", "outbox_run_delete_finished", "task_result_delete_expired")
