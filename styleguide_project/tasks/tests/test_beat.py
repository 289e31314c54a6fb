"""The beat scheduler's lock, driven tick by tick in this process against the real Redis,
and its schedule reload (no Redis needed).

Real `celery beat` processes (two at once, one killed) are in
integration/test_periodic_tasks_on_a_real_beat.py.
"""

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_celery_beat import schedulers as beat_schedulers
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks
from django_celery_beat.schedulers import DatabaseScheduler

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.beat import LockedDatabaseScheduler
from styleguide_project.tasks.periodic.schedules import Crontab
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition, every
from testing.processes import wait_until

# The scheduler commits and checks connections as beat does, which a test
# transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_client(settings, redis_url):
    """REDIS_URL reachable; a lock key and a last-tick key of this test's own, TTL 3 s."""
    settings.BEAT_LOCK_KEY = f"styleguide_project:test:beat:lock:{uuid.uuid4().hex}"
    settings.BEAT_LAST_TICK_KEY = f"styleguide_project:test:beat:last_tick:{uuid.uuid4().hex}"
    settings.BEAT_LOCK_TTL_SECONDS = 3
    client = redis.Redis.from_url(redis_url)
    yield client
    client.delete(settings.BEAT_LOCK_KEY, settings.BEAT_LAST_TICK_KEY)


@pytest.fixture
def schedulers():
    """Start schedulers as `celery beat` does; all are closed at the end of the test."""
    started: list[LockedDatabaseScheduler] = []

    def start() -> LockedDatabaseScheduler:
        scheduler = LockedDatabaseScheduler(app=celery_app)
        started.append(scheduler)
        return scheduler

    yield start
    for scheduler in started:
        scheduler.close()


def holder(client, settings) -> str | None:
    value = client.get(settings.BEAT_LOCK_KEY)
    return value.decode() if value is not None else None


def test_the_first_beat_holds_the_lock_and_a_second_one_stands_by(settings, redis_client, schedulers, caplog):
    first, second = schedulers(), schedulers()

    with caplog.at_level(logging.INFO):
        first.tick()
        standby_wait = second.tick()

    assert holder(redis_client, settings) == first._token
    assert 0 < redis_client.pttl(settings.BEAT_LOCK_KEY) <= 3000
    assert standby_wait == 1.0
    assert f"beat: standby; the lock {settings.BEAT_LOCK_KEY} is held by {first._token}" in caplog.text
    # The active beat, and only it, records its ticks for the health check.
    last_tick = float(redis_client.get(settings.BEAT_LAST_TICK_KEY))
    assert time.time() - 60 < last_tick <= time.time()
    assert 0 < redis_client.ttl(settings.BEAT_LAST_TICK_KEY) <= settings.BEAT_LAST_TICK_TTL_SECONDS


def test_the_active_beat_renews_the_lock_at_every_tick(settings, redis_client, schedulers):
    first = schedulers()
    first.tick()
    redis_client.pexpire(settings.BEAT_LOCK_KEY, 500)

    wait = first.tick()

    assert redis_client.pttl(settings.BEAT_LOCK_KEY) > 2000
    # It never sleeps past a third of the lock's life.
    assert wait <= 1.0


def test_a_standby_takes_over_once_the_active_beat_stops_renewing(settings, redis_client, schedulers, caplog):
    first, second = schedulers(), schedulers()
    first.tick()
    second.tick()

    # `first` is stalled (or dead): it does not tick any more. The lock expires within its TTL.
    wait_until(lambda: second.tick() and holder(redis_client, settings) == second._token, timeout=15, what="takeover")

    with caplog.at_level(logging.INFO):
        first.tick()
    assert f"beat: lost the lock {settings.BEAT_LOCK_KEY} (holder: {second._token})" in caplog.text
    assert holder(redis_client, settings) == second._token


def test_a_beat_that_stops_releases_the_lock_at_once(settings, redis_client, schedulers):
    first, second = schedulers(), schedulers()
    first.tick()

    first.close()
    second.tick()

    assert holder(redis_client, settings) == second._token


def test_a_beat_taking_over_reloads_the_runs_saved_by_the_previous_one(settings, redis_client, schedulers):
    periodic_tasks_sync(definitions=[definition("Every minute", every(60))])
    # Created two minutes ago: due as far as a beat that read it then knows.
    PeriodicTask.objects.update(date_changed=timezone.now() - timedelta(minutes=2))
    first, second = schedulers(), schedulers()
    first.tick()
    second.tick()
    # The active beat sends it and saves the run (CELERY_BEAT_SYNC_EVERY = 1).
    last_run = timezone.now()
    PeriodicTask.objects.update(last_run_at=last_run, total_run_count=1)
    first.close()

    second.tick()

    entry = second.schedule["Every minute"]
    assert (entry.last_run_at, entry.total_run_count) == (last_run, 1)
    assert entry.is_due().is_due is False


def test_a_beat_taking_over_does_not_write_back_the_runs_it_held_in_memory(settings, redis_client, schedulers):
    periodic_tasks_sync(definitions=[definition("Every minute", every(60))])
    first, second = schedulers(), schedulers()
    first.tick()
    # A run `first` holds in memory and has not saved yet when it stalls.
    first.reserve(first.schedule["Every minute"])
    redis_client.delete(settings.BEAT_LOCK_KEY)
    # Meanwhile `second` takes over, sends the task and saves a later run, and stops.
    second.tick()
    later = timezone.now()
    PeriodicTask.objects.update(last_run_at=later, total_run_count=5)
    second.close()

    first.tick()

    task = PeriodicTask.objects.get()
    assert (task.last_run_at, task.total_run_count) == (later, 5)
    entry = first.schedule["Every minute"]
    assert (entry.last_run_at, entry.total_run_count) == (later, 5)


def test_a_beat_that_becomes_active_sends_a_due_task_once(settings, redis_client, schedulers, monkeypatch):
    periodic_tasks_sync(definitions=[definition("Every minute", every(60))])
    PeriodicTask.objects.update(date_changed=timezone.now() - timedelta(minutes=2))
    scheduler = schedulers()
    sent: list[dict] = []
    # What beat publishes, recorded instead of sent; beat saves each run after it.
    task = celery_app.tasks[PeriodicTask.objects.get().task]
    monkeypatch.setattr(task, "apply_async", lambda args=None, kwargs=None, **options: sent.append(kwargs))

    # It takes the lock and reloads; then ticks as beat does, back to back.
    for _ in range(4):
        scheduler.tick()

    assert len(sent) == 1
    assert PeriodicTask.objects.get().total_run_count == 1


def test_beat_writes_nothing_to_the_schedule_when_it_starts(schedulers):
    # The plain DatabaseScheduler would write Celery's celery.backend_cleanup
    # entry here, from every beat, standby or not.
    schedulers()
    schedulers()

    assert not PeriodicTask.objects.exists()
    assert PeriodicTasks.last_change() is None


def test_without_redis_it_runs_as_the_plain_database_scheduler(settings, schedulers):
    settings.REDIS_URL = ""
    periodic_tasks_sync(definitions=[definition("Every minute", every(60))])
    first, second = schedulers(), schedulers()

    # No lock: both are active, as with django-celery-beat's scheduler.
    assert first.tick() <= 5
    assert second.tick() <= 5
    assert first._lock is None
    assert "Every minute" in second.schedule


def test_a_lock_shorter_than_three_seconds_is_refused(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.BEAT_LOCK_TTL_SECONDS = 2

    with pytest.raises(ImproperlyConfigured, match="BEAT_LOCK_TTL_SECONDS must be at least 3, not 2"):
        LockedDatabaseScheduler(app=celery_app)


# --- The schedule reload ---


@pytest.fixture
def reload_scheduler():
    """A scheduler that has loaded nothing yet (lazy, as the bench builds it); no tick, so no Redis."""
    scheduler = LockedDatabaseScheduler(app=celery_app, lazy=True)
    yield scheduler
    scheduler.close()


def test_the_reload_lists_each_crontab_timezone_once(reload_scheduler):
    for minute in range(3):
        CrontabSchedule.objects.create(minute=str(minute), hour="7", timezone="UTC")
        CrontabSchedule.objects.create(minute=str(minute), hour="7", timezone="Asia/Tokyo")

    timezones = list(reload_scheduler._get_unique_timezone_names())

    assert sorted(str(zone) for zone in timezones) == ["Asia/Tokyo", "UTC"]
    # django-celery-beat 2.9's own query
    # (https://github.com/celery/django-celery-beat/issues/947): its DISTINCT
    # also covers the default ordering, so one row per crontab. If this fails
    # (or the method is gone), upstream is fixed: remove the override in beat.py.
    upstream = list(DatabaseScheduler._get_unique_timezone_names(reload_scheduler))
    assert len(upstream) == 6, "django-celery-beat's timezone query is fixed: remove the override in beat.py"
    # The same kind of values as upstream's, for the CASE built from them.
    assert {type(zone) for zone in timezones} == {type(zone) for zone in upstream}


def test_the_reload_loads_the_same_enabled_tasks_as_django_celery_beat(reload_scheduler, monkeypatch):
    # 12:00 UTC (the server's timezone in tests): beat loads the crontabs whose
    # single-number hour falls in 10:00-14:00 UTC (and hour 4, Celery's
    # cleanup), and every other schedule. Asia/Tokyo is UTC+9 all year, so its
    # hours map to UTC whatever the date.
    monkeypatch.setattr(beat_schedulers, "aware_now", lambda: datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    periodic_tasks_sync(
        definitions=[
            definition("UTC 12:00", Crontab(minute="0", hour="12", timezone="UTC")),
            definition("UTC 12:30", Crontab(minute="30", hour="12", timezone="UTC")),
            definition("UTC 20:00", Crontab(minute="0", hour="20", timezone="UTC")),
            definition("Tokyo 21:00", Crontab(minute="0", hour="21", timezone="Asia/Tokyo")),
            definition("Tokyo 21:15", Crontab(minute="15", hour="21", timezone="Asia/Tokyo")),
            definition("Tokyo 12:00", Crontab(minute="0", hour="12", timezone="Asia/Tokyo")),
            definition("UTC every hour", Crontab(minute="5", hour="*", timezone="UTC")),
            definition("Every minute", every(60)),
            definition("UTC 12:00, disabled", Crontab(minute="45", hour="12", timezone="UTC"), enabled=False),
        ]
    )

    schedule = reload_scheduler.all_as_schedule()

    assert set(schedule) == {"UTC 12:00", "UTC 12:30", "Tokyo 21:00", "Tokyo 21:15", "UTC every hour", "Every minute"}
    # What django-celery-beat's own scheduler loads, with its own query.
    plain = DatabaseScheduler(app=celery_app, lazy=True)
    try:
        assert set(plain.all_as_schedule()) == set(schedule)
    finally:
        plain.close()
    assert schedule["Tokyo 21:00"].schedule == CrontabSchedule.objects.get(minute="0", hour="21").schedule
