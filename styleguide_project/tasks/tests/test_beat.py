"""The beat scheduler's lock, driven tick by tick in this process against the real Redis.

Real `celery beat` processes (two at once, one killed) are in
integration/test_periodic_tasks_on_a_real_beat.py.
"""

import logging
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from styleguide_project.tasks.beat import LockedDatabaseScheduler
from styleguide_project.tasks.celery import app as celery_app
from styleguide_project.tasks.periodic_sync import periodic_tasks_sync
from styleguide_project.tasks.testing import wait_until
from styleguide_project.tasks.tests.periodic_helpers import definition, every

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
