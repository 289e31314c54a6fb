"""The project's default Celery Task class (`Celery(task_cls=...)`) and its one retry policy."""

import logging
import random
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, cast

from celery import Task, current_task
from celery.contrib.django.task import DjangoTask
from celery.result import EagerResult
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu import serialization
from kombu.exceptions import EncodeError

logger = logging.getLogger(__name__)

# Errors of the database connection: a transaction that failed with one rolled
# back, so running the task again is safe. Tasks list them in `autoretry_for`.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

# `on_attempt_failed(task, exc=..., kwargs=..., retry_in_seconds=...)`: records a
# failed attempt that will be retried on the task's own objects.
AttemptFailedHandler = Callable[..., None]


def task_retry_countdown(*, retries: int) -> float:
    """Seconds before retry number `retries + 1`: exponential, capped, with equal jitter.

    The delay doubles from TASK_RETRY_BACKOFF_SECONDS up to
    TASK_RETRY_BACKOFF_MAX_SECONDS. Half of it is fixed and half random, so
    that retries of many tasks that failed together spread out, while each
    retry still waits at least half as long as the uncapped delay.
    """
    delay = min(float(settings.TASK_RETRY_BACKOFF_MAX_SECONDS), settings.TASK_RETRY_BACKOFF_SECONDS * 2**retries)
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not cryptography


# The headers RabbitMQ adds when a message leaves a queue by dead-lettering
# (`x-death`, `x-first-death-queue`, ...): how the delay queues of native
# delayed delivery hand a message on. A retry that carried them into the same
# delay queue again would be taken for a dead-letter cycle and never delivered
# (celery#9867); Celery strips them from the headers it copies, and so must a
# retry that sets its own.
DEAD_LETTER_HEADER_PREFIXES = ("x-death", "x-first-death-", "x-last-death-")


def _without_dead_letter_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: value for name, value in (headers or {}).items() if not name.startswith(DEAD_LETTER_HEADER_PREFIXES)}


class TaskSerializationError(EncodeError):
    """A task argument or return value that cannot cross the broker as JSON."""


class ProjectTask(DjangoTask):
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
        if self._from_outbox():
            from styleguide_project.tasks.services.enqueue import OUTBOX_HEADER

            # A worker keeps custom headers as request attributes, not in
            # `request.headers`: the retry message must carry it again.
            options["headers"] = {**_without_dead_letter_headers(request.headers), OUTBOX_HEADER: "1"}
        queue = self._delivered_queue()
        if queue is not None and "queue" not in options:
            # Celery would copy the delivery's routing key into the retry; on
            # RabbitMQ a retried run's key carries its delay's bits in front,
            # and a second delay in front of those routes it nowhere.
            options["queue"] = queue
        return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)

    def _delivered_queue(self) -> str | None:
        """The project queue this run was delivered from (the routing key's last part names it), if any."""
        routing_key = str((self.request.delivery_info or {}).get("routing_key") or "")
        name = routing_key.rsplit(".", 1)[-1]
        return name if name and name in self.app.amqp.queues else None

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
        if not self._from_outbox():
            return self._run_checked(*args, **kwargs)
        return self._run_once(*args, **kwargs)

    def _run_checked(self, *args: Any, **kwargs: Any) -> Any:
        retval = self.run(*args, **kwargs)
        if retval is None or self.ignore_result or self.request.ignore_result:
            return retval
        return self._checked_result(retval)

    def _from_outbox(self) -> bool:
        from styleguide_project.tasks.services.enqueue import OUTBOX_HEADER

        request = self.request
        return bool(getattr(request, OUTBOX_HEADER, None) or (request.headers or {}).get(OUTBOX_HEADER))

    def _run_once(self, *args: Any, **kwargs: Any) -> Any:
        """Run an outbox run unless a copy of it already succeeded or is running (services/outbox.py)."""
        from styleguide_project.tasks.services.enqueue import OUTBOX_HEADER
        from styleguide_project.tasks.services.outbox import (
            Claim,
            outbox_run_claim,
            outbox_run_done,
            outbox_run_release,
            outbox_run_retrying,
            outbox_run_write,
        )

        task_id = str(self.request.id)
        try:
            claim = outbox_run_retrying(partial(outbox_run_claim, task_id=task_id))
        except DATABASE_ERRORS as exc:
            # The body has not run: a database error here is as transient as
            # one in the body, and is retried by the same policy.
            raise self.retry(exc=exc) from exc
        if claim.claim is Claim.DONE:
            logger.info("%s[%s] already ran to the end; this copy does nothing", self.name, task_id)
            return None
        if claim.claim is Claim.BUSY and not self.request.is_eager:
            # Another copy runs it now. This one comes back when that copy's
            # lease lapses, in case it dies; it will find the run done otherwise.
            logger.info("%s[%s] is running elsewhere; this copy waits %.0fs", self.name, task_id, claim.wait_seconds)
            self.apply_async(
                args=args, kwargs=kwargs, task_id=task_id, countdown=claim.wait_seconds, headers={OUTBOX_HEADER: "1"}
            )
            return None
        try:
            retval = self._run_checked(*args, **kwargs)
        except BaseException:
            # The body's own outcome (a Retry already published, a failure)
            # is what Celery must see, even when the database is what failed.
            outbox_run_write(partial(outbox_run_release, task_id=task_id), what=f"{self.name}[{task_id}]: release")
            raise
        outbox_run_write(partial(outbox_run_done, task_id=task_id), what=f"{self.name}[{task_id}]: done mark")
        return retval

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


def running_task() -> Task[Any, Any] | None:
    """The task whose body is running in this thread, or None (celery's `current_task` is a proxy)."""
    task: Task[Any, Any] | None = cast(Any, current_task)._get_current_object() if current_task else None
    return task


def _describe(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}" if exc is not None else "no error given"


def _type_name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
