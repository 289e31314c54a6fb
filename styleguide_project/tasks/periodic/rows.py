"""What the periodic task sync knows about django-celery-beat's tables: the schedule kinds, the
columns that identify a schedule row, the task columns the code decides, and how a row reads in a plan.
"""

from collections.abc import Iterator
from typing import Any

from django.db import models
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, SolarSchedule

SCHEDULE_MODELS: dict[str, type[models.Model]] = {
    "crontab": CrontabSchedule,
    "interval": IntervalSchedule,
    "solar": SolarSchedule,
    "clocked": ClockedSchedule,
}
# The columns that make two schedule rows of a kind the same schedule.
SCHEDULE_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "crontab": ("minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"),
    "interval": ("every", "period"),
    "solar": ("event", "latitude", "longitude"),
    "clocked": ("clocked_time",),
}
# Every PeriodicTask column the code decides. `last_run_at`, `total_run_count`
# and `date_changed` belong to beat and are left alone.
TASK_FIELDS = (
    "name",
    "task",
    "args",
    "kwargs",
    "queue",
    "exchange",
    "routing_key",
    "headers",
    "priority",
    "expires",
    "expire_seconds",
    "one_off",
    "start_time",
    "enabled",
    "description",
)
BATCH_SIZE = 1000

ScheduleKey = tuple[Any, ...]


def schedule_key_describe(kind: str, key: ScheduleKey) -> str:
    if kind == "crontab":
        *fields, zone = key
        return f"crontab {' '.join(fields)} ({zone})"
    if kind == "interval":
        every, period = key
        return f"every {every} {period[:-1] if every == 1 else period}"
    if kind == "solar":
        event, latitude, longitude = key
        return f"solar {event} at ({latitude}, {longitude})"
    (clocked_time,) = key
    return f"clocked at {clocked_time.isoformat()}"


def chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]
