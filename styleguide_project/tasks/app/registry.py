"""Reads of Celery's task registry: which project tasks exist, by name."""

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.celery import app as celery_app


def task_registered_get(*, name: str) -> ProjectTask | None:
    """The project task registered under `name`, or None (renamed, removed, or not a project task)."""
    # A web process has imported only the task modules its views reach;
    # loading every app's `tasks` package (as a worker does at start) makes
    # the answer the worker's. Later calls find the modules already imported.
    celery_app.loader.import_default_modules()
    task = celery_app.tasks.get(name)
    return task if isinstance(task, ProjectTask) else None


def task_registered_names() -> set[str]:
    """The names of every registered project task."""
    celery_app.loader.import_default_modules()
    return {name for name, task in celery_app.tasks.items() if isinstance(task, ProjectTask)}
