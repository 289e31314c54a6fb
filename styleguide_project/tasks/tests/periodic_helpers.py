"""Definitions and database snapshots for the tests of the periodic task sync."""

from datetime import timedelta
from typing import Any

from django.db.models import Model
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)

from styleguide_project.emails.tasks import email_failed_summary_send as email_failed_summary_send_task
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask, PeriodicTaskSyncState
from styleguide_project.tasks.periodic.schedules import Crontab, Interval, PeriodicTaskDefinition, Schedule

BEAT_MODELS: tuple[type[Model], ...] = (
    PeriodicTask,
    CrontabSchedule,
    IntervalSchedule,
    SolarSchedule,
    ClockedSchedule,
    ManagedPeriodicTask,
    PeriodicTasks,
)
WRITES = ("INSERT", "UPDATE", "DELETE")


def definition(name: str, schedule: Schedule | None = None, **options: Any) -> PeriodicTaskDefinition:
    """A definition of a real, harmless project task (it accepts `day`)."""
    options.setdefault("task", email_failed_summary_send_task)
    return PeriodicTaskDefinition(
        name=name, schedule=schedule or Crontab(minute="0", hour="7", timezone="UTC"), **options
    )


def every(seconds: int) -> Interval:
    return Interval(every=timedelta(seconds=seconds))


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of django-celery-beat's tables and of the markers."""
    return {model.__name__: list(model._default_manager.order_by("pk").values()) for model in BEAT_MODELS}


def write_statements(queries: list[dict[str, str]]) -> list[str]:
    """The writes to beat's tables and the markers; the sync's record of its fingerprints (tested on its own,
    test_periodic_tasks_sync_fingerprint.py) is left out."""
    record = PeriodicTaskSyncState._meta.db_table
    return [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(WRITES) and record not in query["sql"]
    ]
