"""The watchdog of periodic tasks: did each managed task run when its own schedule said it would?

Beat can be alive and ticking while one task silently stops being sent (a
broken schedule row, a task disabled by hand, a beat that cannot load a
solar schedule). For every enabled task that `setup_periodic_tasks` owns,
this reads when beat last sent it (`last_run_at`, or when the row was
written if it never ran, as beat itself does) and asks the task's own
schedule object, through its public `remaining_estimate`, when the next run
was due after that. A due time in the past is how long the task is overdue.

A task counts as late only when it is overdue by more than its grace:
`PeriodicTaskDefinition.grace_seconds` as the sync wrote it on the task's
`ManagedPeriodicTask` marker, or by default `PERIODIC_TASK_GRACE_FRACTION` of
the time between two of its runs (at least `PERIODIC_TASK_GRACE_MIN_SECONDS`,
which also covers beat's own tick and a one-off clocked task, which has no
period). Everything comes from the rows the sync wrote, as beat's schedule
does: the watchdog never loads the list of definitions, and with it every
app's tasks, into the web and metrics processes that ask it.

Working a due time out takes the schedule object, tens of microseconds for
a crontab: at 10,000 tasks, seconds of a web worker at every scrape. So the
watchdog notes each task's due time on its marker (`due_at`, with the
reference it counted from and the period for the default grace), and the
look for the tasks that are due (`periodic_task_due_list`, what `/metrics`,
the health report and `--check` ask) has the database return only the tasks
whose due time has passed or whose note is stale: the task ran since (its
`last_run_at` moved) or its row was written (the sync, an edit in the admin).
It works those out again, at most NOTES_PER_LOOK of them a look, and writes
the notes back. A look costs what is due or changed, not what is declared.
A schedule row edited in place in the admin (the sync never does that: it
points the task at another row, which writes the task) is seen when its
tasks next run.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask


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


def _next_due(schedule: Any, after: datetime.datetime, *, now: datetime.datetime) -> datetime.datetime:
    # remaining_estimate() is the time from the schedule's "now" to the first run due after `after`;
    # every schedule kind reads its "now" from `nowfun`, fixed here so that the sum is exact.
    schedule.nowfun = lambda: now
    due: datetime.datetime = now + schedule.remaining_estimate(after)
    return due


def _default_grace(period_seconds: float | None) -> float:
    floor = float(settings.PERIODIC_TASK_GRACE_MIN_SECONDS)
    if period_seconds is None:
        return floor
    return max(floor, float(settings.PERIODIC_TASK_GRACE_FRACTION) * period_seconds)


# How many stale notes one look for the due tasks works out again, at most; the rest wait for the next
# looks. After 10,000 tasks were written at once, that is twenty looks of about half a second each.
NOTES_PER_LOOK = 500

_SCHEDULES = (
    "periodic_task",
    "periodic_task__interval",
    "periodic_task__crontab",
    "periodic_task__solar",
    "periodic_task__clocked",
)


@dataclass(frozen=True)
class PeriodicTasksDue:
    # The enabled managed tasks past their due time, by name.
    due: list[PeriodicTaskTimeliness]
    # Tasks whose due time is not known yet: their note waits for a later look (see NOTES_PER_LOOK).
    unchecked: int


def periodic_task_timeliness_list(*, now: datetime.datetime | None = None) -> list[PeriodicTaskTimeliness]:
    """Each enabled managed periodic task with how overdue it is against its own schedule, by name."""
    now = timezone.now() if now is None else now
    markers = ManagedPeriodicTask.objects.filter(periodic_task__enabled=True).select_related(*_SCHEDULES)
    return _timeliness(markers.order_by("name"), now=now, due_only=False)


def periodic_task_due_list(
    *, now: datetime.datetime | None = None, notes_at_most: int | None = NOTES_PER_LOOK
) -> PeriodicTasksDue:
    """The enabled managed tasks whose next run is due, picked by the database from the notes on the markers.

    Costs what is due or changed since the last look, not what is declared;
    `notes_at_most` bounds how many stale notes it works out again (None: all).
    """
    now = timezone.now() if now is None else now
    # A note is stale when the task ran (or its row was written) since it was made.
    reference = Coalesce("periodic_task__last_run_at", "periodic_task__date_changed")
    stale = Q(due_at__isnull=True) | Q(due_after__isnull=True) | ~Q(due_after=reference)
    # The ids first, from the two narrow tables alone; the schedules only for what this picked.
    picked = (
        ManagedPeriodicTask.objects.filter(periodic_task__enabled=True)
        .filter(stale | Q(due_at__lte=now))
        .annotate(stale=ExpressionWrapper(stale, output_field=BooleanField()))
        .order_by("id")
        .values_list("id", "stale")
    )
    due_ids: list[int] = []
    stale_ids: list[int] = []
    for marker_id, is_stale in picked:
        (stale_ids if is_stale else due_ids).append(marker_id)
    unchecked = 0
    if notes_at_most is not None and len(stale_ids) > notes_at_most:
        unchecked = len(stale_ids) - notes_at_most
        stale_ids = stale_ids[:notes_at_most]
    markers = ManagedPeriodicTask.objects.filter(id__in=due_ids + stale_ids).select_related(*_SCHEDULES)
    return PeriodicTasksDue(due=_timeliness(markers.order_by("name"), now=now, due_only=True), unchecked=unchecked)


def _timeliness(
    markers: QuerySet[ManagedPeriodicTask], *, now: datetime.datetime, due_only: bool
) -> list[PeriodicTaskTimeliness]:
    states = []
    noted: list[ManagedPeriodicTask] = []
    for marker in markers:
        task = marker.periodic_task
        scheduler = task.scheduler
        if scheduler is None:
            continue
        kind = type(scheduler).__name__.removesuffix("Schedule").lower()
        # As beat does: a task that never ran counts from when its row was last written.
        reference_at = task.last_run_at or task.date_changed
        if marker.due_at is None or marker.due_after != reference_at:
            _due_note(marker, scheduler.schedule, kind, reference_at=reference_at, now=now)
            noted.append(marker)
        due_at = marker.due_at
        if due_at is None or (due_only and due_at > now):
            continue
        overdue = max(0.0, (now - due_at).total_seconds())
        grace = marker.grace_seconds
        states.append(
            PeriodicTaskTimeliness(
                name=marker.name,
                task=task.task,
                kind=kind,
                last_run_at=task.last_run_at,
                due_at=due_at,
                overdue_seconds=round(overdue, 1),
                grace_seconds=float(grace) if grace is not None else _default_grace(marker.due_period_seconds),
            )
        )
    if noted:
        # Only the notes: the marker's own columns (name, grace) are the sync's. Another look noting the
        # same tasks at once writes the same values.
        ManagedPeriodicTask.objects.bulk_update(noted, ["due_at", "due_after", "due_period_seconds"], batch_size=500)
    return states


def _due_note(
    marker: ManagedPeriodicTask,
    schedule: Any,
    kind: str,
    *,
    reference_at: datetime.datetime,
    now: datetime.datetime,
) -> None:
    zone = celery_app.timezone
    due_at = _next_due(schedule, reference_at.astimezone(zone), now=now.astimezone(zone))
    marker.due_at = due_at
    marker.due_after = reference_at
    marker.due_period_seconds = (
        None if kind == "clocked" else (_next_due(schedule, due_at, now=now) - due_at).total_seconds()
    )
