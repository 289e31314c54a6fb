"""The task whose body runs in this thread."""

from typing import Any, cast

from celery import Task, current_task


def running_task() -> Task[Any, Any] | None:
    """The task whose body is running in this thread, or None (celery's `current_task` is a proxy)."""
    task: Task[Any, Any] | None = cast(Any, current_task)._get_current_object() if current_task else None
    return task
