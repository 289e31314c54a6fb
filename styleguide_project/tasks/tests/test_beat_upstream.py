"""django-celery-beat's own scheduler, stock: the behaviour each override in beat.py works around.

Each test runs the plain DatabaseScheduler and asserts the upstream behaviour is still there. When
one fails, upstream has changed it: the override it names can go (after a look at the issue).
The timezone query's workaround has its test in test_beat.py.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks
from django_celery_beat.schedulers import DatabaseScheduler

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.beat import LockedDatabaseScheduler
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition, every

# The scheduler commits and checks connections as beat does.
pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Every minute"


@pytest.fixture
def due_task(settings, monkeypatch) -> list[dict]:
    """A task due now, every minute; what beat publishes is recorded instead of sent."""
    settings.REDIS_URL = ""
    periodic_tasks_sync(definitions=[definition(NAME, every(60))])
    PeriodicTask.objects.update(date_changed=timezone.now() - timedelta(minutes=2))
    sent: list[dict] = []
    task = celery_app.tasks[PeriodicTask.objects.get(name=NAME).task]
    monkeypatch.setattr(task, "apply_async", lambda args=None, kwargs=None, **options: sent.append(kwargs))
    return sent


@pytest.fixture
def started():
    """Start schedulers as `celery beat` does; all are closed at the end of the test."""
    schedulers: list[DatabaseScheduler] = []

    def start(scheduler_class: type[DatabaseScheduler]) -> DatabaseScheduler:
        schedulers.append(scheduler_class(app=celery_app))
        return schedulers[-1]

    yield start
    for scheduler in schedulers:
        scheduler.close()


def schedule_changes() -> None:
    """What every save in the admin does: mark the schedule changed, later than anything before."""
    time.sleep(0.01)
    PeriodicTasks.update_changed()


@pytest.mark.parametrize(("scheduler_class", "sends"), [(DatabaseScheduler, 2), (LockedDatabaseScheduler, 1)])
def test_a_reload_before_the_first_tick_sends_a_due_task_twice_upstream(due_task, started, scheduler_class, sends):
    # The workaround: LockedDatabaseScheduler.reserve
    # (https://github.com/celery/django-celery-beat/issues/558). The first tick
    # reloads the changed schedule while it builds its heap; the next tick
    # rebuilds the heap from the schedule, whose entry django-celery-beat's
    # reserve left at the run before the send.
    scheduler = started(scheduler_class)
    schedule_changes()

    for _ in range(4):
        scheduler.tick()

    assert len(due_task) == sends, (
        "django-celery-beat sends the task once now: remove LockedDatabaseScheduler.reserve from beat.py"
        if scheduler_class is DatabaseScheduler
        else "the project's scheduler sent it more than once"
    )


def test_a_reload_writes_older_runs_held_in_memory_over_newer_saved_ones_upstream(due_task, started):
    # The workaround: LockedDatabaseScheduler.sync skips the write of the
    # reload at a takeover (https://github.com/celery/django-celery-beat/issues/337).
    # This beat sent the task and holds that run, unsaved, when it stalls.
    stalled = started(DatabaseScheduler)
    stalled.reserve(stalled.schedule[NAME])
    # Another beat sends it five times meanwhile, and saves its later run.
    later = timezone.now() + timedelta(minutes=5)
    PeriodicTask.objects.filter(name=NAME).update(last_run_at=later, total_run_count=5)
    schedule_changes()

    stalled.schedule  # noqa: B018 - reading the changed schedule reloads it

    task = PeriodicTask.objects.get(name=NAME)
    assert (task.last_run_at, task.total_run_count) != (later, 5), (
        "django-celery-beat's reload keeps the newer saved run now: remove LockedDatabaseScheduler.sync from beat.py"
    )
    assert task.total_run_count == 1


def test_a_scheduler_does_not_see_the_runs_another_one_saved_upstream(due_task, started):
    # The workaround: LockedDatabaseScheduler.schedule_changed forces a reload
    # when a beat takes over (https://github.com/celery/django-celery-beat/issues/337
    # and https://github.com/celery/django-celery-beat/issues/37).
    active, standby = started(DatabaseScheduler), started(DatabaseScheduler)
    active.tick()
    assert len(due_task) == 1
    assert PeriodicTask.objects.get(name=NAME).total_run_count == 1  # saved (CELERY_BEAT_SYNC_EVERY = 1)

    # The standby reads its schedule, as at each of its ticks.
    entry = standby.schedule[NAME]

    fixed = (
        "django-celery-beat sees the runs another scheduler saved now: remove LockedDatabaseScheduler.schedule_changed"
    )
    assert entry.total_run_count == 0, fixed
    assert entry.is_due().is_due, fixed
