"""Beat's last tick, read from the Redis of REDIS_URL.

The beat process writes the tick (issue 6); here the test writes it, in the
agreed format: the unix time as a string under settings.BEAT_LAST_TICK_KEY.
"""

import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from styleguide_project.api.selectors import health_beat
from styleguide_project.tasks.app.celery import app as celery_app
from testing.brokers import celery_app_on_broker


@pytest.fixture
def tick_store(redis_url: str, broker_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.delete(settings.BEAT_LAST_TICK_KEY)
    # Not eager: in eager mode there is no beat to ask about.
    with celery_app_on_broker(celery_app, broker_url):
        yield client
    client.delete(settings.BEAT_LAST_TICK_KEY)


def test_a_recent_tick_is_ok(tick_store):
    tick_store.set(settings.BEAT_LAST_TICK_KEY, str(time.time() - 3), ex=300)

    state = health_beat(timeout=1, stale_after=60)

    seconds_ago = state["last_tick_seconds_ago"]
    assert state["status"] == "ok"
    assert seconds_ago is not None
    assert 2.5 <= seconds_ago < 30


def test_a_tick_older_than_the_limit_is_stale(tick_store):
    tick_store.set(settings.BEAT_LAST_TICK_KEY, str(time.time() - 120), ex=300)

    state = health_beat(timeout=1, stale_after=60)

    seconds_ago = state["last_tick_seconds_ago"]
    assert state["status"] == "stale"
    assert seconds_ago is not None
    assert 119 <= seconds_ago < 150


def test_no_tick_is_missing(tick_store):
    assert health_beat(timeout=1, stale_after=60) == {"status": "missing", "last_tick_seconds_ago": None}


def test_a_tick_from_a_clock_ahead_of_ours_counts_as_just_now(tick_store):
    tick_store.set(settings.BEAT_LAST_TICK_KEY, str(time.time() + 5), ex=300)

    assert health_beat(timeout=1, stale_after=60) == {"status": "ok", "last_tick_seconds_ago": 0.0}


def test_a_tick_that_is_not_a_number_is_an_error(tick_store):
    tick_store.set(settings.BEAT_LAST_TICK_KEY, "yesterday", ex=300)

    assert health_beat(timeout=1, stale_after=60) == {"status": "error", "last_tick_seconds_ago": None}


def test_in_eager_mode_beat_is_eager():
    assert health_beat(timeout=1, stale_after=60) == {"status": "eager", "last_tick_seconds_ago": None}
