"""Tasks used only by tests (serialization, the outbox's once-only runs).

A real worker imports this module with `celery worker --include`, so the same
tasks run eagerly in the test process and on the worker.
"""

import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import redis
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.users.models import BaseUser

# Values a task may be given or may return, by kind. Built on demand so that a
# worker can produce the same values as the test process.
SAMPLES: dict[str, Callable[[], Any]] = {
    "pk": lambda: 42,
    "string": lambda: "héllo",
    "decimal": lambda: Decimal("1234.50"),
    "datetime": lambda: datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC),
    "uuid": lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "model instance": lambda: BaseUser(email="ada@example.com"),
    "queryset": lambda: BaseUser.objects.none(),
    "set": lambda: {1, 2, 3},
    "object": lambda: object(),
}


@shared_task(base=ProjectTask, name="tests.probe_echo", needs_failure_handler=False)
def probe_echo(*, value: Any) -> Any:
    return value


@shared_task(base=ProjectTask, name="tests.probe_return", needs_failure_handler=False)
def probe_return(*, kind: str) -> Any:
    return SAMPLES[kind]()


# How many times each probe_count run went through its body, by name.
COUNTS: dict[str, int] = {}


@shared_task(base=ProjectTask, name="tests.probe_count", needs_failure_handler=False)
def probe_count(*, into: str) -> int:
    COUNTS[into] = COUNTS.get(into, 0) + 1
    return COUNTS[into]


@shared_task(base=ProjectTask, name="tests.probe_sleep", needs_failure_handler=False)
def probe_sleep(*, seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


class ProbeTransientError(Exception):
    """An error the dead-letter probe says may heal: retried until the retries run out."""


# The dead-letter probe's world: whether its cause is fixed, and what it met.
dead_letter_probe: dict[str, Any] = {"fixed": False, "runs": [], "failures": [], "replays": []}


def dead_letter_probe_reset() -> None:
    dead_letter_probe.update(fixed=False, runs=[], failures=[], replays=[])


def _probe_always_fails_failure(
    self: Any, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
) -> None:
    dead_letter_probe["failures"].append(task_id)


def _probe_always_fails_replay(self: Any, *, kwargs: dict[str, Any], task_id: str) -> None:
    dead_letter_probe["replays"].append((kwargs, task_id))


@shared_task(
    bind=True,
    base=ProjectTask,
    name="tests.probe_always_fails",
    autoretry_for=(ProbeTransientError,),
    on_failure=_probe_always_fails_failure,
    on_replay=_probe_always_fails_replay,
)
def probe_always_fails(self: Any, *, value: int, error: str = "transient") -> int:
    """Fails with `error` until `dead_letter_probe["fixed"]`: "transient" (retried), "bug", or "soft_time_limit"."""
    dead_letter_probe["runs"].append((self.request.id, self.request.retries))
    if dead_letter_probe["fixed"]:
        return value
    if error == "bug":
        raise ValueError(f"no good value: {value}")
    if error == "soft_time_limit":
        raise SoftTimeLimitExceeded()
    raise ProbeTransientError(f"still broken for {value}")


# Where a worker and the test process agree that the cause is fixed: the shared cache (Redis).
PROBE_FIXED_KEY = "tests:probe_fails_until_fixed:fixed"


@shared_task(
    base=ProjectTask,
    name="tests.probe_fails_until_fixed",
    autoretry_for=(ProbeTransientError,),
    needs_failure_handler=False,
)
def probe_fails_until_fixed(*, value: int) -> int:
    """Retried, then failed for good, until the cache says `PROBE_FIXED_KEY`; then returns `value`."""
    if not cache.get(PROBE_FIXED_KEY):
        raise ProbeTransientError(f"still broken for {value}")
    return value


# One client per URL and process: a pool process runs thousands of probe_record runs.
_REDIS_CLIENTS: dict[str, redis.Redis] = {}


# No stored result: the Redis list is the record, and thousands of result rows
# would only slow the fault scenario that runs it.
@shared_task(base=ProjectTask, bind=True, name="tests.probe_record", ignore_result=True, needs_failure_handler=False)
def probe_record(self: Task, *, redis_url: str, key: str) -> None:
    """Append this run's task id to the Redis list `key`: one entry per execution of the body, in any process."""
    client = _REDIS_CLIENTS.get(redis_url)
    if client is None:
        client = _REDIS_CLIENTS[redis_url] = redis.Redis.from_url(redis_url)
    client.rpush(key, str(self.request.id))


@shared_task(bind=True, base=ProjectTask, name="tests.probe_retry_after", needs_failure_handler=False)
def probe_retry_after(self: Task, *, countdowns: list[int]) -> int:
    """Retries once after each of `countdowns` seconds, then returns how many retries it took."""
    if self.request.retries < len(countdowns):
        raise self.retry(countdown=countdowns[self.request.retries], max_retries=len(countdowns))
    return int(self.request.retries)


# What each probe_checkpoint run did, by task id, when it runs without Redis (eagerly).
CHECKPOINTS: dict[str, list[str]] = {}


@shared_task(bind=True, base=ProjectTask, name="tests.probe_checkpoint", needs_failure_handler=False)
def probe_checkpoint(
    self: ProjectTask,
    *,
    steps: int,
    step_seconds: float = 0.0,
    cancel_at_step: int = -1,
    redis_url: str = "",
    key: str = "",
) -> int:
    """Runs `steps` steps, asking `is_cancelled()` before each; returns the step it stopped at (`steps` when done).

    Records "started", then "stopped at <n>" or "finished", in the Redis list
    `key` (on a worker) or in CHECKPOINTS (eagerly). `cancel_at_step` cancels
    the run itself at that step, as staff would while it runs.
    """
    import time

    from styleguide_project.tasks.outbox.services.cancelling import task_run_cancel

    def record(what: str) -> None:
        if redis_url:
            client = _REDIS_CLIENTS.get(redis_url)
            if client is None:
                client = _REDIS_CLIENTS[redis_url] = redis.Redis.from_url(redis_url)
            client.rpush(key, what)
        else:
            CHECKPOINTS.setdefault(str(self.request.id), []).append(what)

    record("started")
    for step in range(steps):
        if step == cancel_at_step:
            task_run_cancel(task_id=str(self.request.id))
        if self.is_cancelled():
            record(f"stopped at {step}")
            return step
        time.sleep(step_seconds)
    record("finished")
    return steps


@shared_task(bind=True, base=ProjectTask, name="tests.probe_cancelled_in_countdown", needs_failure_handler=False)
def probe_cancelled_in_countdown(self: Task, *, into: str) -> int:
    """Counts its runs in COUNTS[into]; the first is cancelled while it waits for its retry."""
    from styleguide_project.tasks.outbox.services.cancelling import task_run_cancel

    COUNTS[into] = COUNTS.get(into, 0) + 1
    if self.request.retries == 0:
        task_run_cancel(task_id=str(self.request.id))
        raise self.retry(countdown=1, max_retries=3)
    return int(self.request.retries)
