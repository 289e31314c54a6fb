import socket
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from styleguide_project.tasks.app.celery import app as celery_app
from testing.brokers import celery_app_on_broker
from testing.processes import free_port

pytestmark = pytest.mark.django_db


def test_in_eager_mode_broker_workers_and_beat_are_eager_not_failing(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "failing": [],
        "database": {"status": "ok"},
        "broker": {"status": "eager"},
        "workers": {"status": "eager", "count": None},
        "beat": {"status": "eager", "last_tick_seconds_ago": None},
        "schedules": {"status": "eager", "late": []},
    }


def test_health_is_503_naming_the_database_when_it_fails(api_client, monkeypatch):
    # Breaking the test database for real would break the test's own transaction.
    monkeypatch.setattr("styleguide_project.api.selectors.health_database", lambda: {"status": "error"})

    response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["failing"] == ["database"]
    assert response.json()["database"] == {"status": "error"}


@pytest.fixture
def closed_port_url() -> str:
    # Nothing listens there: connections are refused at once, as with a stopped Redis.
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def silent_server_url() -> Iterator[str]:
    # Accepts TCP connections (the kernel completes the handshake) and never
    # answers: a hung Redis, or one behind a dropped network path.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.mark.parametrize("redis_fixture", ["closed_port_url", "silent_server_url"])
def test_a_dead_redis_gives_503_within_two_seconds(api_client, request, redis_fixture):
    url = request.getfixturevalue(redis_fixture)

    with celery_app_on_broker(celery_app, url), override_settings(REDIS_URL=url):
        started = time.monotonic()
        response = api_client.get("/api/health/")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker", "workers", "beat"]
    assert response.json()["broker"] == {"status": "error"}
    assert response.json()["workers"] == {"status": "error", "count": None}
    assert response.json()["beat"] == {"status": "error", "last_tick_seconds_ago": None}
    assert response.json()["database"] == {"status": "ok"}
    assert elapsed < 2.0
