"""The project's default Celery Task class (`Celery(task_cls=...)`)."""

from typing import Any

from celery import Task
from celery.result import EagerResult


class ProjectTask(Task[Any, Any]):
    """Eager runs that behave like a worker's.

    Celery's own eager mode with `task_eager_propagates` re-raises a task's
    exception at the first failure: `self.retry()` never retries and
    `on_failure` handlers never run, so an eager test cannot see what a worker
    would do. Here the run always goes through Celery's full error handling
    (retries with their signals, `on_failure`, stored state), and only the
    final outcome is raised to the caller when propagation is on.
    """

    def apply(
        self,
        args: Any = None,
        kwargs: Any = None,
        link: Any = None,
        link_error: Any = None,
        task_id: str | None = None,
        retries: int | None = None,
        throw: bool | None = None,
        logfile: Any = None,
        loglevel: Any = None,
        headers: Any = None,
        **options: Any,
    ) -> EagerResult[Any]:
        propagate = self.app.conf.task_eager_propagates if throw is None else throw
        result = super().apply(
            args, kwargs, link, link_error, task_id, retries, False, logfile, loglevel, headers, **options
        )
        if propagate and result.failed():
            exc = result.result
            assert isinstance(exc, BaseException)  # noqa: S101 - a failed result holds its exception
            raise exc
        return result
