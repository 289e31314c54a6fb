"""The task whose body runs in this thread."""

from typing import Any

from celery import Task, current_app


def running_task() -> Task[Any, Any] | None:
    """The task whose body is running in this thread, or None.

    The task itself, not celery's `current_task` proxy: a proxy held across a
    call that runs another task (eagerly, or directly) would name that task.
    """
    task: Task[Any, Any] | None = current_app.current_task
    return task
