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

from styleguide_project.tasks.base import ProjectTask
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
