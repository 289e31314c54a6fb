"""What a periodic task definition is made of: the task, its schedule and its options.

Definitions are in `config/periodic_tasks.py`; each schedule kind is a small frozen dataclass
that knows the values of its django-celery-beat row. Validation runs when `setup_periodic_tasks`
runs (in CI too, through the test of the shipped definitions and `setup_periodic_tasks --check`),
not at import: the command then names every bad entry at once and writes nothing.
"""

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, available_timezones

from celery import Task, schedules
from django.core.exceptions import ValidationError
from django_celery_beat import validators
from django_celery_beat.models import SOLAR_SCHEDULES, CrontabSchedule, PeriodicTask
from django_celery_beat.tzcrontab import TzAwareCrontab

from styleguide_project.tasks.app.celery import app as celery_app

# IntervalSchedule.every is a 32-bit integer column.
_MAX_EVERY = 2**31 - 1
# The interval periods django-celery-beat knows, largest first, in microseconds.
_PERIODS = (
    ("days", 86_400_000_000),
    ("hours", 3_600_000_000),
    ("minutes", 60_000_000),
    ("seconds", 1_000_000),
    ("microseconds", 1),
)
# SolarSchedule stores coordinates with six decimal places; more would be rounded
# by the database and the row would never equal its definition again.
_COORDINATE_PLACES = Decimal("0.000001")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True)
class Crontab:
    """A cron schedule, field by field as cron writes them (check them on crontab.guru).

    `timezone` is an IANA name; None means `settings.TIME_ZONE` at the time the
    sync runs. Either way the row carries an explicit timezone, so a run at
    02:30 stays at 02:30 local time across a daylight saving change.
    """

    kind: ClassVar[str] = "crontab"

    minute: str = "*"
    hour: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    day_of_week: str = "*"
    timezone: str | None = None

    def row_values(self, *, default_timezone: str) -> dict[str, Any]:
        fields = {
            "minute": self.minute,
            "hour": self.hour,
            "day_of_month": self.day_of_month,
            "month_of_year": self.month_of_year,
            "day_of_week": self.day_of_week,
        }
        for name, value in fields.items():
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"crontab {name} must be a cron field such as '*' or '0,30', not {value!r}")
        timezone = self.timezone if self.timezone is not None else default_timezone
        if not isinstance(timezone, str) or timezone not in _timezones():
            raise ValueError(
                f"crontab timezone {timezone!r} is not a known IANA time zone (such as 'Europe/Amsterdam')"
            )
        return dict(_crontab_row(**fields, timezone=timezone))

    def describe(self) -> str:
        fields = f"{self.minute} {self.hour} {self.day_of_month} {self.month_of_year} {self.day_of_week}"
        return f"crontab {fields} ({self.timezone or 'TIME_ZONE'})"


# Thousands of definitions often share a few crontabs; parsing each once keeps
# the sync of 10,000 tasks within seconds.
@lru_cache(maxsize=4096)
def _crontab_row(
    *, minute: str, hour: str, day_of_month: str, month_of_year: str, day_of_week: str, timezone: str
) -> tuple[tuple[str, str], ...]:
    fields = {
        "minute": minute,
        "hour": hour,
        "day_of_month": day_of_month,
        "month_of_year": month_of_year,
        "day_of_week": day_of_week,
    }
    for name, value in fields.items():
        _check_cron_field(name, value)
    # What beat itself will build from the row: this also rejects dates that
    # never happen, such as the 30th of February.
    try:
        TzAwareCrontab(**fields, tz=ZoneInfo(timezone))
    except ValueError as exc:
        cron = f"{minute} {hour} {day_of_month} {month_of_year} {day_of_week}"
        raise ValueError(f"crontab {cron} ({timezone}) is not valid: {exc}") from exc
    return (*fields.items(), ("timezone", timezone))


# Even when nearly every crontab is its own (so _crontab_row's cache misses),
# the crontabs are made of few distinct field values: 10,000 crontabs of the
# bench have about 100. Each of django-celery-beat's validators parses a whole
# five-field crontab, so checking once per (field, value) rather than once per
# field of every crontab took about half of a 10,000-task sync. Only values
# that pass are cached (lru_cache keeps no exception): an invalid one is
# checked again, and raises the same error, every time.
@lru_cache(maxsize=4096)
def _check_cron_field(name: str, value: str) -> None:
    max_length = CrontabSchedule._meta.get_field(name).max_length
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"crontab {name} {value!r} is longer than {max_length} characters")
    # The rules of the admin's form for this column.
    try:
        getattr(validators, f"{name}_validator")(value)
    except ValidationError as exc:
        raise ValueError(f"crontab {name} {value!r} is not valid: {'; '.join(exc.messages)}") from exc


@dataclass(frozen=True)
class Interval:
    """Every `every`, counted from the previous run (or from when the task was created)."""

    kind: ClassVar[str] = "interval"

    every: timedelta

    def row_values(self, *, default_timezone: str) -> dict[str, Any]:
        if not isinstance(self.every, timedelta):
            raise ValueError(f"interval every must be a timedelta, not {self.every!r}")
        microseconds = self.every // timedelta(microseconds=1)
        if microseconds <= 0:
            raise ValueError(f"interval every must be positive, not {self.every}")
        # The largest period that divides the interval exactly: 1 day is stored
        # as (1, days), which is also how the admin shows it.
        period, size = next((period, size) for period, size in _PERIODS if microseconds % size == 0)
        every = microseconds // size
        if every > _MAX_EVERY:
            raise ValueError(f"interval every {self.every} is too long to store ({every} {period})")
        return {"every": every, "period": period}

    def describe(self) -> str:
        return f"every {self.every}"


@dataclass(frozen=True)
class Solar:
    """At a solar event (sunrise, sunset, dawn_civil, ...) seen from a latitude and longitude."""

    kind: ClassVar[str] = "solar"

    event: str
    latitude: Decimal | float
    longitude: Decimal | float

    def row_values(self, *, default_timezone: str) -> dict[str, Any]:
        events = [event for event, _ in SOLAR_SCHEDULES]
        if self.event not in events:
            raise ValueError(f"solar event {self.event!r} is not one of {', '.join(events)}")
        latitude = _coordinate("latitude", self.latitude, limit=90)
        longitude = _coordinate("longitude", self.longitude, limit=180)
        try:
            schedules.solar(self.event, float(latitude), float(longitude))  # type: ignore[arg-type]
        except ImportError as exc:
            raise ValueError(f"solar schedules need the ephem package, which beat cannot import: {exc}") from exc
        return {"event": self.event, "latitude": latitude, "longitude": longitude}

    def describe(self) -> str:
        return f"solar {self.event} at ({self.latitude}, {self.longitude})"


@dataclass(frozen=True)
class Clocked:
    """Once, at `at` (an aware datetime). Beat disables the task after that run."""

    kind: ClassVar[str] = "clocked"

    at: datetime

    def row_values(self, *, default_timezone: str) -> dict[str, Any]:
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise ValueError(f"clocked at must be a timezone-aware datetime, not {self.at!r}")
        return {"clocked_time": self.at}

    def describe(self) -> str:
        return f"clocked at {self.at.isoformat() if isinstance(self.at, datetime) else self.at!r}"


Schedule = Crontab | Interval | Solar | Clocked


def _coordinate(name: str, value: object, *, limit: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int | str):
        raise ValueError(f"solar {name} must be a number, not {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"solar {name} must be a number, not {value!r}") from exc
    if not number.is_finite() or not -limit <= number <= limit:
        raise ValueError(f"solar {name} must be between -{limit} and {limit}, not {value}")
    if number != number.quantize(_COORDINATE_PLACES):
        raise ValueError(f"solar {name} {value} has more than 6 decimal places, which the database would round")
    return number.quantize(_COORDINATE_PLACES)


@lru_cache(maxsize=1024)
def _run_signature(task_name: str) -> inspect.Signature:
    # The signature of the task a worker runs under that name.
    return inspect.signature(celery_app.tasks[task_name].run)


@dataclass(frozen=True)
class PeriodicTaskDefinition:
    """One periodic task, as declared in `config/periodic_tasks.py`.

    `name` is the task's identity in the database (django-celery-beat's unique
    `PeriodicTask.name`): renaming an entry deletes the old task and creates a
    new one. `task` is the task object itself, so a typo fails at import.
    `kwargs` must be plain JSON that the task's signature accepts.
    `expire_seconds`: a run that no worker has started after this many seconds
    is dropped, so a backlog built up during an outage is not replayed.
    `grace_seconds`: how late a run may be before the watchdog reports it
    (None: a fraction of its period, see `tasks/periodic/watchdog.py`).
    """

    name: str
    task: Task[Any, Any]
    schedule: Schedule
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    queue: str | None = None
    enabled: bool = True
    expire_seconds: int | None = None
    description: str = ""
    grace_seconds: int | None = None

    def task_errors(self) -> list[str]:
        """What is wrong with everything but the schedule; empty when it is valid."""
        errors = []
        name_length = PeriodicTask._meta.get_field("name").max_length or 200
        if not isinstance(self.name, str) or not self.name.strip() or self.name != self.name.strip():
            errors.append("name must be a non-empty string without surrounding spaces")
        elif len(self.name) > name_length:
            errors.append(f"name is longer than {name_length} characters")

        task_name = getattr(self.task, "name", None)
        if not isinstance(task_name, str) or task_name not in celery_app.tasks:
            errors.append(
                f"task {task_name or self.task!r} is not registered with the Celery app, so no worker runs it"
            )
        else:
            errors.extend(self._kwargs_errors())

        if self.queue is not None:
            if not isinstance(self.queue, str) or not self.queue:
                errors.append(f"queue must be a non-empty string or None, not {self.queue!r}")
            # Without CELERY_TASK_QUEUES any name is valid (Celery creates the
            # queue); with it, a name outside the list would never be consumed.
            elif celery_app.conf.task_queues and self.queue not in celery_app.amqp.queues:
                errors.append(f"queue {self.queue!r} is not one of the queues in CELERY_TASK_QUEUES")
        if not isinstance(self.enabled, bool):
            errors.append(f"enabled must be True or False, not {self.enabled!r}")
        for option in ("expire_seconds", "grace_seconds"):
            value = getattr(self, option)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                errors.append(f"{option} must be a positive integer or None, not {value!r}")
        if not isinstance(self.description, str):
            errors.append(f"description must be a string, not {self.description!r}")
        return errors

    def kwargs_json(self) -> str:
        return json.dumps(dict(self.kwargs), sort_keys=True, allow_nan=False)

    def _kwargs_errors(self) -> list[str]:
        if not isinstance(self.kwargs, Mapping):
            return [f"kwargs must be a mapping, not {self.kwargs!r}"]
        try:
            encoded = self.kwargs_json()
        except (TypeError, ValueError) as exc:
            return [f"kwargs must be plain JSON: {exc}"]
        # A tuple would arrive as a list, an int key as a string: the task
        # would not get what the code says.
        if json.loads(encoded) != dict(self.kwargs):
            return [f"kwargs {dict(self.kwargs)!r} do not survive JSON unchanged (tuples, non-string keys, ...)"]
        try:
            _run_signature(self.task.name).bind(**self.kwargs)
        except TypeError as exc:
            return [f"kwargs {encoded} do not fit {self.task.name}'s signature: {exc}"]
        return []
