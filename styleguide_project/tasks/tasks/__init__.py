"""Tasks owned by the tasks app itself."""

from styleguide_project.tasks.tasks.dead_letters import dead_letter_delete_expired
from styleguide_project.tasks.tasks.results import task_result_delete_expired

__all__ = ("dead_letter_delete_expired", "task_result_delete_expired")
