"""A pytest plugin for django-celery-beat's own test run (testing/conformance/beat.py loads it).

It makes the upstream scheduler tests drive the project's LockedDatabaseScheduler: the tests
subclass and call `django_celery_beat.schedulers.DatabaseScheduler` by that module attribute, so
rebinding it before their module is imported puts our class under every test that names it.

The runner sets the run's environment:
- STYLEGUIDE_BEAT_CONFORMANCE_SCHEDULER: "project" (the rebinding above) or "stock"
  (django-celery-beat's own scheduler, to show a test fails without the project's class too);
- STYLEGUIDE_BEAT_CONFORMANCE_REDIS_URL: empty, the scheduler runs without the lock, as in eager
  development; a Redis URL, it takes the beat lock in that database at every tick, as deployed;
- STYLEGUIDE_BEAT_CONFORMANCE_KEY_PREFIX: the run's own prefix for the lock keys;
- STYLEGUIDE_BEAT_CONFORMANCE_REPORT: where each test's outcome is written, as JSON.
"""

import json
import os
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

SCHEDULER = os.environ.get("STYLEGUIDE_BEAT_CONFORMANCE_SCHEDULER", "project")
REDIS_URL = os.environ.get("STYLEGUIDE_BEAT_CONFORMANCE_REDIS_URL", "")
KEY_PREFIX = os.environ.get("STYLEGUIDE_BEAT_CONFORMANCE_KEY_PREFIX", "styleguide_project:conformance:beat")
REPORT = os.environ.get("STYLEGUIDE_BEAT_CONFORMANCE_REPORT", "")
UPSTREAM_MODULE = "t.unit.test_schedulers"

_outcomes: dict[str, str] = {}
_deselected: list[str] = []
_locked: list[str] = []  # the tests whose scheduler took the beat lock


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # Markers the upstream tests use, from plugins this run does not load (pytest-timeout; the
    # celery plugin's registration): the celery one is read by the celery_app fixture all the same.
    config.addinivalue_line("markers", "timeout(seconds): pytest-timeout's limit (not enforced here)")
    config.addinivalue_line("markers", "celery(**config): configuration of the celery_app fixture")
    if SCHEDULER == "stock":
        return
    # pytest-django has set Django up by now (while loading the initial conftests), and the
    # upstream test module is not imported yet: its `class TrackingScheduler(
    # schedulers.DatabaseScheduler)` is built on the class bound here.
    from django_celery_beat import schedulers

    from styleguide_project.tasks.periodic.beat import LockedDatabaseScheduler

    schedulers.DatabaseScheduler = LockedDatabaseScheduler


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from styleguide_project.tasks.periodic.beat import LockedDatabaseScheduler

    tracking = getattr(sys.modules.get(UPSTREAM_MODULE), "TrackingScheduler", None)
    ours = isinstance(tracking, type) and issubclass(tracking, LockedDatabaseScheduler)
    if ours != (SCHEDULER != "stock"):
        pytest.exit(f"{UPSTREAM_MODULE}.TrackingScheduler is {tracking!r}, not the {SCHEDULER} scheduler", returncode=3)


def pytest_deselected(items: list[pytest.Item]) -> None:
    _deselected.extend(item.nodeid for item in items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        _outcomes[report.nodeid] = "failed" if report.when == "call" else "error"
    elif report.skipped:
        _outcomes[report.nodeid] = "skipped"
    elif report.when == "call":
        _outcomes.setdefault(report.nodeid, "passed")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REPORT:
        with open(REPORT, "w") as report:
            json.dump(
                {"outcomes": _outcomes, "deselected": _deselected, "locked": _locked, "exitstatus": int(exitstatus)},
                report,
            )


@pytest.fixture(autouse=True)
def beat_lock_of_its_own(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    """The settings the scheduler reads, with a lock key of this test's own.

    The upstream tests never close their schedulers, so a lock taken in one test would be held
    (for its time to live) against the next test's schedulers, as if both were one deployment.
    """
    key = f"{KEY_PREFIX}:{uuid.uuid4().hex}"
    settings.REDIS_URL = REDIS_URL
    settings.BEAT_LOCK_TTL_SECONDS = 30
    settings.BEAT_LOCK_KEY = f"{key}:lock"
    settings.BEAT_LAST_TICK_KEY = f"{key}:last_tick"
    settings.BEAT_LAST_TICK_TTL_SECONDS = 300
    yield
    if REDIS_URL:
        client = redis.Redis.from_url(REDIS_URL)
        if client.delete(settings.BEAT_LOCK_KEY, settings.BEAT_LAST_TICK_KEY):
            _locked.append(request.node.nodeid)
        client.close()
