"""Tasks owned by the tasks app itself."""

from styleguide_project.tasks.tasks.results import task_result_delete_expired

__all__ = ("task_result_delete_expired",)
