"""A periodic task changed in the admin while beat is sending it: beat sends it once.

The scheduler is driven as `celery beat` drives it (tick after tick, sleeping what each tick
asks); the task runs every 200 ms, so a scheduler that kept the sent entry would send it again
several times within the second each test watches. The admin's change lands during the first
send, at one of two points of beat's send path:

- "advance": inside django-celery-beat's `reserve`, once the entry has been advanced to its next
  run and before the scheduler reads its schedule again;
- "publish": while the task's message is being published.

django-celery-beat's own scheduler, at the first point, sends the task once: the reference.
"""

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.beat import LockedDatabaseScheduler
from styleguide_project.tasks.periodic.schedules import Interval
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition
from styleguide_project.users.tests.factories import BaseUserFactory

# The scheduler commits and checks connections as beat does.
pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Every 200 ms"
WATCH_SECONDS = 1.2


@pytest.fixture
def admin_client(client):
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    return client


def admin_disables(admin_client, task: PeriodicTask) -> None:
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")
    response = admin_client.post(changelist, {"action": "disable_tasks", "_selected_action": [task.pk]})
    assert response.status_code == 302


def admin_deletes(admin_client, task: PeriodicTask) -> None:
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [task.pk], "post": "yes"}
    )
    assert response.status_code == 302


def admin_reschedules(admin_client, task: PeriodicTask) -> None:
    # The task's interval edited on its change page, the rest of the page submitted as shown.
    change = reverse("admin:django_celery_beat_intervalschedule_change", args=[task.interval_id])
    page = admin_client.get(change)
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    shown = {field.html_name: field.value() for form in forms for field in form if field.value() is not None}
    response = admin_client.post(change, {**shown, "every": 1, "period": IntervalSchedule.HOURS})
    assert response.status_code == 302, response.context["errors"] if response.context else response


CHANGES = {"disabled": admin_disables, "deleted": admin_deletes, "rescheduled": admin_reschedules}


def run_beat(scheduler: DatabaseScheduler, *, seconds: float) -> None:
    """Tick as `celery beat` does for `seconds`, sleeping what each tick asks (when positive)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        interval = scheduler.tick()
        if interval > 0:
            time.sleep(min(interval, left))


@pytest.fixture
def beat_world(admin_client, monkeypatch) -> dict[str, Any]:
    """A task due now every 200 ms; its sends recorded; the admin's change armed for one landing point."""
    periodic_tasks_sync(definitions=[definition(NAME, Interval(every=timedelta(milliseconds=200)))])
    PeriodicTask.objects.update(date_changed=timezone.now() - timedelta(minutes=1))
    task = PeriodicTask.objects.get()
    world: dict[str, Any] = {"sends": [], "change": None, "landing": None, "landed": None}

    def land(point: str) -> None:
        if world["landing"] == point and world["landed"] is None:
            world["landed"] = "failed"  # beat logs what its send path raises, and goes on
            CHANGES[world["change"]](admin_client, task)
            # Where the change landed, and how many sends had begun by then.
            world["landed"] = (point, len(world["sends"]))

    def publish(args=None, kwargs=None, **options):
        # What beat publishes, recorded instead of sent.
        world["sends"].append(time.monotonic())
        land("publish")

    monkeypatch.setattr(celery_app.tasks[task.task], "apply_async", publish)
    upstream_reserve = DatabaseScheduler.reserve

    def reserve(scheduler, entry):
        new_entry = upstream_reserve(scheduler, entry)
        land("advance")
        return new_entry

    monkeypatch.setattr(DatabaseScheduler, "reserve", reserve)
    return world


@pytest.fixture
def locked(settings, redis_url):
    """The Redis lock on, with keys of this test's own."""
    settings.REDIS_URL = redis_url
    settings.BEAT_LOCK_KEY = f"styleguide_project:test:beat:lock:{uuid.uuid4().hex}"
    settings.BEAT_LAST_TICK_KEY = f"styleguide_project:test:beat:last_tick:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url)
    yield client
    client.delete(settings.BEAT_LOCK_KEY, settings.BEAT_LAST_TICK_KEY)


def send_with_a_change(world: dict[str, Any], scheduler_class: type, *, change: str, landing: str) -> DatabaseScheduler:
    world["change"], world["landing"] = change, landing
    scheduler = scheduler_class(app=celery_app)
    try:
        run_beat(scheduler, seconds=WATCH_SECONDS)
    finally:
        scheduler.close()
    # The change landed during the first send: in its reserve before the publish began, or in the publish.
    assert world["landed"] == (landing, 0 if landing == "advance" else 1)
    return scheduler


def assert_the_schedule_holds_the_change(scheduler: DatabaseScheduler, change: str) -> None:
    if change == "rescheduled":
        assert scheduler.schedule[NAME].schedule.run_every == timedelta(hours=1)
    else:
        assert NAME not in scheduler.schedule


@pytest.mark.parametrize("landing", ["advance", "publish"])
@pytest.mark.parametrize("change", ["disabled", "deleted", "rescheduled"])
def test_a_task_changed_in_the_admin_during_its_send_is_sent_once(settings, beat_world, change, landing):
    settings.REDIS_URL = ""

    scheduler = send_with_a_change(beat_world, LockedDatabaseScheduler, change=change, landing=landing)

    assert len(beat_world["sends"]) == 1
    assert_the_schedule_holds_the_change(scheduler, change)


def test_a_task_disabled_during_its_send_is_sent_once_by_the_beat_holding_the_lock(settings, locked, beat_world):
    scheduler = send_with_a_change(beat_world, LockedDatabaseScheduler, change="disabled", landing="advance")

    # It held the lock: only the active beat records its ticks.
    assert locked.exists(settings.BEAT_LAST_TICK_KEY)
    assert len(beat_world["sends"]) == 1
    assert NAME not in scheduler.schedule


def test_django_celery_beats_own_scheduler_sends_a_task_disabled_during_its_send_once(settings, beat_world):
    settings.REDIS_URL = ""

    scheduler = send_with_a_change(beat_world, DatabaseScheduler, change="disabled", landing="advance")

    assert len(beat_world["sends"]) == 1
    assert NAME not in scheduler.schedule
