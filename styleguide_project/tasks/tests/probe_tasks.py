"""Tasks used only by the serialization tests.

A real worker imports this module with `celery worker --include`, so the same
tasks run eagerly in the test process and on the worker.
"""

import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from celery import shared_task

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


@shared_task(base=ProjectTask, name="tests.probe_sleep", needs_failure_handler=False)
def probe_sleep(*, seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds
