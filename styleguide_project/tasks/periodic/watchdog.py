"""The watchdog of periodic tasks: did each managed task run when its own schedule said it would?

Beat can be alive and ticking while one task silently stops being sent (a
broken schedule row, a task disabled by hand, a beat that cannot load a
solar schedule). For every enabled task that `setup_periodic_tasks` owns,
this reads when beat last sent it (`last_run_at`, or when the row was
written if it never ran, as beat itself does) and asks the task's own
schedule object, through its public `remaining_estimate`, when the next run
was due after that. A due time in the past is how long the task is overdue.

A task counts as late only when it is overdue by more than its grace:
`PeriodicTaskDefinition.grace_seconds`, or by default
`PERIODIC_TASK_GRACE_FRACTION` of the time between two of its runs (at least
`PERIODIC_TASK_GRACE_MIN_SECONDS`, which also covers beat's own tick and a
one-off clocked task, which has no period).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask
from styleguide_project.tasks.periodic.schedules import PeriodicTaskDefinition


@dataclass(frozen=True)
class PeriodicTaskTimeliness:
    name: str
    task: str
    kind: str
    # When beat last sent it; None if it never has.
    last_run_at: datetime.datetime | None
    # When the next run was due after the last one (or after the row was written).
    due_at: datetime.datetime
    overdue_seconds: float
    grace_seconds: float

    @property
    def late(self) -> bool:
        return self.overdue_seconds > self.grace_seconds

    def seconds_since_last_run(self, *, now: datetime.datetime) -> float | None:
        if self.last_run_at is None:
            return None
        return max(0.0, (now - self.last_run_at).total_seconds())


def _declared_graces() -> dict[str, int | None]:
    # The project's list is reached through settings, as the kit's commands do: the kit imports no app.
    definitions: Sequence[PeriodicTaskDefinition] = import_string(settings.PERIODIC_TASKS)
    return {definition.name: definition.grace_seconds for definition in definitions}


def _next_due(schedule: Any, after: datetime.datetime, *, now: datetime.datetime) -> datetime.datetime:
    # remaining_estimate() is the time from the schedule's "now" to the first run due after `after`;
    # every schedule kind reads its "now" from `nowfun`, fixed here so that the sum is exact.
    schedule.nowfun = lambda: now
    due: datetime.datetime = now + schedule.remaining_estimate(after)
    return due


def _default_grace(schedule: Any, due_at: datetime.datetime, kind: str, *, now: datetime.datetime) -> float:
    floor = float(settings.PERIODIC_TASK_GRACE_MIN_SECONDS)
    if kind == "clocked":
        return floor
    period = (_next_due(schedule, due_at, now=now) - due_at).total_seconds()
    return max(floor, float(settings.PERIODIC_TASK_GRACE_FRACTION) * period)


def periodic_task_timeliness_list(
    *, graces: dict[str, int | None] | None = None, now: datetime.datetime | None = None
) -> list[PeriodicTaskTimeliness]:
    """Each enabled managed periodic task with how overdue it is against its own schedule, by name.

    `graces` maps a definition's name to its grace (None: the default); by
    default they come from `settings.PERIODIC_TASKS`.
    """
    graces = _declared_graces() if graces is None else graces
    now = timezone.now() if now is None else now
    managed = (
        ManagedPeriodicTask.objects.filter(periodic_task__enabled=True)
        .select_related(
            "periodic_task",
            "periodic_task__interval",
            "periodic_task__crontab",
            "periodic_task__solar",
            "periodic_task__clocked",
        )
        .order_by("name")
    )
    states = []
    for marker in managed:
        task = marker.periodic_task
        scheduler = task.scheduler
        if scheduler is None:
            continue
        schedule = scheduler.schedule
        kind = type(scheduler).__name__.removesuffix("Schedule").lower()
        # As beat does: a task that never ran counts from when its row was last written.
        reference = (task.last_run_at or task.date_changed).astimezone(celery_app.timezone)
        due_at = _next_due(schedule, reference, now=now.astimezone(celery_app.timezone))
        overdue = max(0.0, (now - due_at).total_seconds())
        grace = graces.get(marker.name)
        states.append(
            PeriodicTaskTimeliness(
                name=marker.name,
                task=task.task,
                kind=kind,
                last_run_at=task.last_run_at,
                due_at=due_at,
                overdue_seconds=round(overdue, 1),
                grace_seconds=float(grace) if grace is not None else _default_grace(schedule, due_at, kind, now=now),
            )
        )
    return states
