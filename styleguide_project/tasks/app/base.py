"""The project's default Celery Task class (`Celery(task_cls=...)`): one retry policy, eager runs as a worker's."""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, Protocol

from celery.contrib.django.task import DjangoTask
from celery.result import EagerResult
from django.conf import settings
from kombu import serialization
from kombu.exceptions import EncodeError

from styleguide_project.tasks.app.retry import DATABASE_ERRORS, task_retry_countdown
from styleguide_project.tasks.app.routing import DeliveredQueueRetry

logger = logging.getLogger(__name__)

# `on_attempt_failed(task, exc=..., kwargs=..., retry_in_seconds=...)`: records a
# failed attempt that will be retried on the task's own objects.
AttemptFailedHandler = Callable[..., None]


class TaskSerializationError(EncodeError):
    """A task argument or return value that cannot cross the broker as JSON."""


class RunGuard(Protocol):
    """Runs around a project task's body on a worker or in eager mode: may skip it, and sees how it ended.

    `around(task, body)` calls `body()` and returns its value, or returns
    without calling it (this copy of the run must not run it). Guards are
    registered by the rooms that own them (the outbox's done-once guard,
    from the kit's AppConfig), so this class names none of them.
    """

    def around(self, task: "ProjectTask", body: Callable[[], Any]) -> Any: ...


class ProjectTask(DeliveredQueueRetry, DjangoTask):
    """Tasks that retry by one policy and behave the same in eager mode as on a real broker.

    Retries: a task says what is transient with Celery's `autoretry_for`
    (`DATABASE_ERRORS`, the SMTP errors, ...); this class decides how long to
    wait (`task_retry_countdown`) and how often (TASK_MAX_RETRIES), for
    `autoretry_for` and for an explicit `self.retry()` alike. A task whose
    objects record their attempts names an `on_attempt_failed` handler,
    `_<task>_attempt_failed`, called once per failed attempt that will be
    retried; the final failure goes to the `_<task>_failure` handler instead.
    The registry test holds every task to this.

    Eager mode and serialization:
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
    # Celery's own backoff (full jitter, no floor) is replaced by `retry()` below.
    retry_backoff = False
    on_attempt_failed: AttemptFailedHandler | None = None
    # `_<task>_replay(task, kwargs=..., task_id=...)`: undoes its failure handler inside a dead letter replay.
    on_replay: Callable[..., None] | None = None
    # Run around every body that a worker or an eager run executes (see RunGuard).
    run_guards: ClassVar[list[RunGuard]] = []
    # `check(task_id) -> bool`: whether a run was cancelled, for `is_cancelled()`;
    # registered by the room that records cancellations, as guards are.
    cancelled_checks: ClassVar[list[Callable[[str], bool]]] = []

    @classmethod
    def run_guard_register(cls, guard: RunGuard) -> None:
        if guard not in cls.run_guards:
            cls.run_guards.append(guard)

    @classmethod
    def cancelled_check_register(cls, check: Callable[[str], bool]) -> None:
        if check not in cls.cancelled_checks:
            cls.cancelled_checks.append(check)

    def is_cancelled(self) -> bool:
        """Whether this run was cancelled since it started: a body that runs long asks between its steps, and stops.

        One lookup by task id (a database read: ask between chunks of work, not
        per row). False in a plain function call, which is no run of its own.
        """
        request = self.request
        if request.called_directly or not request.id:
            return False
        return any(check(str(request.id)) for check in self.cancelled_checks)

    @property
    def max_retries(self) -> int:  # type: ignore[override]
        # Read at every retry, so that a change of settings (tests, a reload) applies.
        return int(settings.TASK_MAX_RETRIES)

    def retry(
        self,
        args: Any = None,
        kwargs: Any = None,
        exc: Exception | None = None,
        throw: bool = True,
        eta: Any = None,
        countdown: float | None = None,
        max_retries: int | None = None,
        **options: Any,
    ) -> Any:
        request = self.request
        limit = self.max_retries if max_retries is None else max_retries
        if request.called_directly or request.retries >= limit:
            # Celery raises `exc` itself: a plain call has no retry, and the
            # last attempt's error is the final failure (`on_failure`).
            return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)
        if eta is None and countdown is None:
            countdown = task_retry_countdown(retries=request.retries)
        logger.warning(
            "%s[%s] failed (%s); retry %d of %d in %s",
            self.name,
            request.id,
            _describe(exc),
            request.retries + 1,
            limit,
            f"{countdown:.1f}s" if countdown is not None else f"at {eta}",
        )
        self._record_attempt(exc=exc, kwargs=kwargs if kwargs is not None else request.kwargs, countdown=countdown)
        return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)

    def _record_attempt(self, *, exc: Exception | None, kwargs: Any, countdown: float | None) -> None:
        if self.on_attempt_failed is None:
            return
        try:
            self.on_attempt_failed(exc=exc, kwargs=kwargs, retry_in_seconds=countdown or 0.0)
        except DATABASE_ERRORS:
            # The database is what failed: the retry goes ahead unrecorded.
            logger.warning("%s[%s]: could not record the failed attempt; retrying anyway", self.name, self.request.id)

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
        body: Callable[[], Any] = partial(self._run_checked, *args, **kwargs)
        for guard in reversed(self.run_guards):
            body = partial(guard.around, self, body)
        return body()

    def _run_checked(self, *args: Any, **kwargs: Any) -> Any:
        retval = self.run(*args, **kwargs)
        if retval is None or self.ignore_result or self.request.ignore_result:
            return retval
        return self._checked_result(retval)

    def check_arguments(self, kwargs: dict[str, Any]) -> None:
        """Raise TaskSerializationError, naming the argument, unless `kwargs` can be sent as the task's serializer."""
        serializer = self.serializer or self.app.conf.task_serializer
        try:
            serialization.dumps(kwargs, serializer)
        except EncodeError as exc:
            raise self._argument_error((), kwargs, serializer) from exc

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


def _describe(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}" if exc is not None else "no error given"


def _type_name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
