import threading
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from styleguide_project.api import selectors
from styleguide_project.api.selectors import health_check, health_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck_broker_check(monkeypatch):
    """The broker check hangs (as kombu does retrying a lost connection) until released."""
    release = threading.Event()
    calls = []

    def stuck(*, timeout):
        calls.append(timeout)
        release.wait(30)
        return {"status": "ok"}, {"status": "ok", "count": 1}

    monkeypatch.setattr(selectors, "health_celery", stuck)
    assert selectors._celery_checks.join(timeout=30)
    yield calls
    release.set()
    assert selectors._celery_checks.join(timeout=30)


@override_settings(HEALTH_TIMEOUT_SECONDS=0.1)
def test_a_stuck_broker_check_is_given_up_on_and_no_thread_is_left_per_call(stuck_broker_check, caplog):
    reports = [health_check() for _ in range(5)]

    assert [report["broker"] for report in reports] == [{"status": "error"}] * 5
    # Every call answered while the check was still stuck: none waited for its end.
    assert selectors._celery_checks.pending is not None
    assert not selectors._celery_checks.pending.done()
    # The first call waited for the check as long as its bound (twice the
    # timeout and half a second); the later ones saw it pending and waited not at all.
    gave_up = [record.getMessage() for record in caplog.records if "broker check" in record.getMessage()]
    assert gave_up == [
        "Health: the broker check did not finish within 0.7s",
        *["Health: the previous broker check has not finished yet"] * 4,
    ]
    # The first call's check is still stuck: the later calls queued none behind it.
    assert len(stuck_broker_check) == 1
    health_threads = [thread for thread in threading.enumerate() if thread.name.startswith("health")]
    assert len(health_threads) == 1


def test_eager_mode_is_a_failure_unless_allowed():
    with override_settings(HEALTH_EAGER_IS_OK=False):
        report = health_check()

    assert report["status"] == "error"
    assert report["failing"] == ["broker", "workers", "beat", "schedules"]


@pytest.fixture
def counted_checks(monkeypatch):
    cache.delete_many([selectors.REPORT_KEY, selectors.LOCK_KEY])
    calls = []

    def check():
        calls.append(1)
        return {"status": "ok", "failing": [], "n": len(calls)}

    monkeypatch.setattr(selectors, "health_check", check)
    yield calls
    cache.delete_many([selectors.REPORT_KEY, selectors.LOCK_KEY])


@override_settings(HEALTH_CACHE_SECONDS=5)
def test_the_report_is_reused_until_it_is_older_than_the_cache_time(counted_checks):
    now = time.time()

    first = health_report(now=now)
    again = health_report(now=now + 4)
    later = health_report(now=now + 6)

    assert (first["n"], again["n"], later["n"]) == (1, 1, 2)
    assert len(counted_checks) == 2


@override_settings(HEALTH_CACHE_SECONDS=5)
def test_while_one_request_checks_the_others_answer_with_the_previous_report(counted_checks):
    now = time.time()
    health_report(now=now)
    # Another request holds the lock: it is running the new check right now.
    cache.add(selectors.LOCK_KEY, 1, timeout=30)

    report = health_report(now=now + 60)

    assert report["n"] == 1
    assert len(counted_checks) == 1


@override_settings(HEALTH_CACHE_SECONDS=5)
def test_a_cache_that_dies_during_the_check_still_gets_the_report_answered(monkeypatch, settings):
    def check():
        # The cache's Redis goes away while the check runs: storing the report and releasing the lock fail.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 0.5},
            }
        }
        return {"status": "ok", "failing": []}

    monkeypatch.setattr(selectors, "health_check", check)

    assert health_report(now=time.time()) == {"status": "ok", "failing": []}
