"""The collector's read of the health report: a scrape never waits for the workers' ping when a report exists."""

import threading
import time

import pytest
from django.core.cache import cache

from styleguide_project.api import selectors
from styleguide_project.api.selectors import LOCK_KEY, REPORT_KEY, health_reports
from styleguide_project.metrics import collectors

REPORT = {"workers": {"status": "ok", "count": 2}, "beat": {"status": "ok", "last_tick_seconds_ago": 1.0}}


@pytest.fixture
def checks(monkeypatch, settings):
    """Each call of the health check, which takes a moment (as the ping does) until `release` is set."""
    settings.HEALTH_CACHE_SECONDS = 5
    release = threading.Event()
    calls: list[float] = []

    def check() -> dict:
        calls.append(time.monotonic())
        release.wait(5)
        return {"workers": {"status": "ok", "count": 3}, "beat": REPORT["beat"]}

    monkeypatch.setattr(selectors, "health_check", check)
    assert health_reports.runner.join(timeout=5)
    cache.delete_many([REPORT_KEY, LOCK_KEY])
    yield calls, release
    release.set()
    assert health_reports.runner.join(timeout=5)
    cache.delete_many([REPORT_KEY, LOCK_KEY])


def test_a_fresh_cached_report_is_read_and_nothing_is_checked(checks):
    calls, _ = checks
    cache.set(REPORT_KEY, {"checked_at": time.time() - 1, "report": REPORT})

    assert collectors._health_read() == REPORT
    assert calls == []


def test_an_old_report_is_answered_at_once_and_refreshed_in_the_background(checks):
    calls, release = checks
    cache.set(REPORT_KEY, {"checked_at": time.time() - 12, "report": REPORT})

    # The check is still running (not released), yet the scrape has its answer.
    assert collectors._health_read() == REPORT
    assert collectors._health_read() == REPORT
    release.set()
    refresh = health_reports.runner.pending
    assert refresh is not None
    refresh.result(timeout=5)

    # One refresh for both scrapes: the second found the first still running.
    assert len(calls) == 1


def test_a_report_too_old_to_show_waits_for_the_refresh(checks):
    calls, release = checks
    cache.set(REPORT_KEY, {"checked_at": time.time() - 600, "report": REPORT})
    release.set()

    assert collectors._health_read()["workers"]["count"] == 3
    assert len(calls) == 1
