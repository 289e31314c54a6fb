"""The project's default Celery Task class (`Celery(task_cls=...)`)."""

from typing import Any, cast

from celery import Task, current_task
from celery.result import EagerResult
from kombu import serialization
from kombu.exceptions import EncodeError


class TaskSerializationError(EncodeError):
    """A task argument or return value that cannot cross the broker as JSON."""


class ProjectTask(Task[Any, Any]):
    """Tasks that behave the same in eager mode as on a real broker.

    - Eager runs go through Celery's full error handling, as on a worker:
      Celery's own eager mode with `task_eager_propagates` re-raises at the
      first failure, so `self.retry()` never retries and `on_failure` never
      runs. Only the final outcome is raised to the caller here.
    - An argument that cannot be sent fails at `.delay()` / `.apply_async()`
      with an error naming the task, the argument and its type (eager mode and
      a real broker both serialize arguments at that point).
    - A return value that cannot be stored fails the task with an error naming
      the task and the type, and eager runs return the value as a worker's
      result would read back (tuples become lists, and so on).
    """

    # Every project task needs an `on_failure` handler named `_<task>_failure`
    # unless it declares `needs_failure_handler=False` (it changes no state
    # that a failure must undo). A test walks the registry to enforce it.
    needs_failure_handler = True

    def apply_async(self, args: Any = None, kwargs: Any = None, *posargs: Any, **options: Any) -> Any:
        try:
            return super().apply_async(args, kwargs, *posargs, **options)
        except TaskSerializationError:
            raise
        except EncodeError as exc:
            raise self._argument_error(args or (), kwargs or {}, options.get("serializer")) from exc

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

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.request.called_directly:
            # A plain function call in code or tests: no broker semantics.
            return super().__call__(*args, **kwargs)
        # Inside a worker or apply(): Celery has already pushed the request.
        retval = self.run(*args, **kwargs)
        if retval is None or self.ignore_result or self.request.ignore_result:
            return retval
        return self._checked_result(retval)

    def _checked_result(self, retval: Any) -> Any:
        serializer = self.app.conf.result_serializer
        try:
            content_type, encoding, data = serialization.dumps(retval, serializer)
        except EncodeError as exc:
            raise TaskSerializationError(
                f"Task {self.name} returned a {_type_name(retval)}, which cannot be stored as {serializer}: "
                "return plain data (ids, strings, numbers, lists, dicts)."
            ) from exc
        if self.request.is_eager:
            return serialization.loads(data, content_type, encoding)
        return retval

    def _argument_error(self, args: Any, kwargs: dict[str, Any], serializer: str | None) -> TaskSerializationError:
        serializer = serializer or self.serializer or self.app.conf.task_serializer
        # Project tasks take keyword arguments only, so the culprit has a name.
        for name, value in kwargs.items():
            try:
                serialization.dumps(value, serializer)
            except EncodeError:
                return TaskSerializationError(
                    f"Task {self.name}: argument {name!r} is a {_type_name(value)}, which cannot be sent as "
                    f"{serializer}: pass its primary key or plain data instead."
                )
        return TaskSerializationError(f"Task {self.name}: its arguments cannot be sent as {serializer}.")


def running_task() -> Task[Any, Any] | None:
    """The task whose body is running in this thread, or None (celery's `current_task` is a proxy)."""
    task: Task[Any, Any] | None = cast(Any, current_task)._get_current_object() if current_task else None
    return task


def _type_name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
