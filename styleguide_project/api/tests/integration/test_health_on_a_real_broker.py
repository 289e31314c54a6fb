"""`GET /api/health/` against real Redis and PostgreSQL, with and without a real worker."""

import time

import pytest
import redis
from django.conf import settings

pytestmark = pytest.mark.integration


@pytest.fixture
def beat_ticked(redis_url):
    # What the active beat does on every tick (issue 6 writes it from beat itself).
    client = redis.Redis.from_url(redis_url)
    client.set(settings.BEAT_LAST_TICK_KEY, str(time.time()), ex=300)
    yield
    client.delete(settings.BEAT_LAST_TICK_KEY)


def test_all_good_is_200_with_the_live_workers_counted(celery_worker, beat_ticked, api_client):
    celery_worker(name="health-a")
    celery_worker(name="health-b", concurrency=1)

    response = api_client.get("/api/health/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["database"] == {"status": "ok"}
    assert body["broker"] == {"status": "ok"}
    assert body["workers"] == {"status": "ok", "count": 2}
    assert body["beat"]["status"] == "ok"


def test_no_worker_is_503_naming_the_workers(live_celery, beat_ticked, api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["failing"] == ["workers"]
    assert response.json()["broker"] == {"status": "ok"}
    assert response.json()["workers"] == {"status": "missing", "count": 0}


def test_no_beat_tick_is_503_naming_beat(celery_worker, api_client, redis_url):
    redis.Redis.from_url(redis_url).delete(settings.BEAT_LAST_TICK_KEY)
    celery_worker(name="health-c", concurrency=1)

    response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]
    assert response.json()["beat"] == {"status": "missing", "last_tick_seconds_ago": None}
