import os
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.signals import task_failure, task_retry
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from styleguide_project.api.throttling import FixedWindowRateThrottle
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import STAFF_TOOL_PERMISSIONS, BaseUserFactory
from testing.brokers import BROKERS, RabbitVhost, celery_app_on_broker
from testing.processes import ManagedProcess, leftovers_stop, process_env, start_worker
from testing.redis_dbs import RedisDatabaseNotOursError, redis_db_empty
from testing.reports import REPORTS
from testing.services import database_url, service_missing
from testing.smtp import SmtpSink

# The Redis database the integration tests use as their broker; it is emptied
# before each test, so it must be empty or the tests' own (anything else stops
# the run). Two suites running at once on one Redis need two numbers.
INTEGRATION_BROKER_DB = int(os.environ.get("STYLEGUIDE_TEST_BROKER_DB", "13"))


# The suites that run on both brokers: each of their tests that uses a broker
# (the `broker_kind` fixture, through `broker_url`, `live_env`, ...) runs once
# on Redis and once on RabbitMQ.
BOTH_BROKERS = (
    "styleguide_project/emails/tests/integration/test_onboarding_on_a_real_broker.py",
    "styleguide_project/emails/tests/faults/",
    "styleguide_project/tasks/tests/integration/",
    "styleguide_project/api/tests/integration/test_health_on_a_real_broker.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "hosts: runs the stack across network namespaces on this machine (testing/hosts.py); needs root, "
        "skipped with a reason without it, required in .ci/run",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "broker_kind" not in metafunc.fixturenames:
        return
    if any("broker_kind" in marker.args[0] for marker in metafunc.definition.iter_markers("parametrize")):
        return  # the test names its brokers itself
    path = metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()
    if path.startswith(BOTH_BROKERS):
        metafunc.parametrize("broker_kind", BROKERS, indirect=True)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty Django cache.

    Throttle counts and lock entries live there; one test's requests must not
    throttle the next test. With REDIS_URL set (in the environment of the run:
    the test settings never read .env) this empties that Redis database, which
    must be empty or the tests' own (.ci/run uses 14); any other stops the run.
    """
    if settings.REDIS_URL:
        _redis_db_empty(settings.REDIS_URL)
    else:
        cache.clear()


def _redis_db_empty(url: str) -> None:
    try:
        redis_db_empty(url)
    except RedisDatabaseNotOursError as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures the integration suites reported (testing/reports.py), a section each."""
    for section, lines in REPORTS.items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No process a test started outlives the run: one that does fails the run, and is killed.

    With pytest-xdist each worker checks its own; the controller's children
    are the workers themselves.
    """
    if getattr(session.config.option, "numprocesses", None) and not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    leftovers = leftovers_stop()
    if leftovers:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "\nprocesses started by the tests were still running at the end (killed now):\n  " + "\n  ".join(
            leftovers
        )
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _eager_task_failures_fail_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A task that failed for good while the test ran fails the test, unless the test expects it.

    In eager mode a task enqueued after a commit runs inside the request, and
    its failure is only logged (a request never fails for its tasks), so a
    test that checks only the HTTP answer would pass while the task crashed.
    A test that expects failures asks for the `task_failures` fixture or is
    marked `task_failure_expected`.
    """
    failed: list[str] = []

    def record(sender: Any = None, task_id: str = "", exception: BaseException | None = None, **kwargs: Any) -> None:
        failed.append(f"{getattr(sender, 'name', sender)}[{task_id}]: {type(exception).__name__}: {exception}")

    task_failure.connect(record, weak=False)
    yield
    task_failure.disconnect(record)
    expected = "task_failures" in request.fixturenames or request.node.get_closest_marker("task_failure_expected")
    if failed and not expected:
        pytest.fail(
            "tasks failed while the test ran (mark it task_failure_expected if that is the point):\n"
            + "\n".join(failed)
        )


@pytest.fixture
def retry_countdowns() -> Iterator[list[float]]:
    """The countdown of every retry Celery schedules while the test runs."""
    countdowns: list[float] = []

    def record(sender, request, reason, einfo, **kwargs):
        countdowns.append(reason.when)

    task_retry.connect(record, weak=False)
    yield countdowns
    task_retry.disconnect(record)


# 30 s into a minute, 30 min 30 s into an hour, 12 h 30 min 30 s into a day (UTC).
MID_WINDOW = 86_400 * 20_000 + 12 * 3600 + 30 * 60 + 30.0


@pytest.fixture
def throttle_rates(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set throttle rates for this test: `throttle_rates(anon="2/minute", login_email="3/hour")`.

    Overriding REST_FRAMEWORK makes DRF reload its settings, and the project's
    throttles read their rate from those settings on every request.

    The throttles' clock stands still in the middle of a minute, an hour and a
    day: their windows are fixed, and a test whose requests straddled a window
    boundary on the real clock would see its count start again (a test that
    is about the boundary moves the clock itself).
    """
    monkeypatch.setattr(FixedWindowRateThrottle, "timer", staticmethod(lambda: MID_WINDOW))

    def set_rates(**rates: str | None) -> None:
        framework = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {
            **framework,
            "DEFAULT_THROTTLE_RATES": {**framework["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


@pytest.fixture
def unreachable_cache(settings: Any) -> None:
    """Django's cache on a Redis that refuses every connection (nothing listens on port 1).

    A real client and a real refused connection: what a request meets when
    the cache's Redis is down.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: None) -> BaseUser:
    return BaseUserFactory.create()


@pytest.fixture
def staff_user(db: None) -> BaseUser:
    """Staff with the permissions of every staff tool (not a superuser: the tools' checks run for real)."""
    return BaseUserFactory.create(is_staff=True, permissions=STAFF_TOOL_PERMISSIONS)


@pytest.fixture
def user_client(user: BaseUser) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff_client(staff_user: BaseUser) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.fixture
def superuser_client(db: None) -> Client:
    """A browser session of a superuser, for the admin's pages."""
    client = Client()
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    return client


# --- Integration: real Redis, PostgreSQL, Celery processes and an SMTP sink ---


@pytest.fixture
def redis_url() -> str:
    """The Redis of REDIS_URL, reachable; skipped (or failed in .ci/run) otherwise."""
    url: str = settings.REDIS_URL
    if not url:
        service_missing("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} is not answering: {exc}")
    return url


@pytest.fixture
def broker_kind(request: pytest.FixtureRequest) -> str:
    """ "redis" unless the test is parametrised over both brokers (`testing.brokers.BROKERS`, indirect)."""
    return str(getattr(request, "param", "redis"))


@pytest.fixture(scope="session")
def rabbitmq_vhost() -> Iterator[RabbitVhost]:
    """A RabbitMQ virtual host for this run (rabbitmqctl is slow: one per run), deleted at the end."""
    vhost = RabbitVhost().create()
    yield vhost
    vhost.delete()


@pytest.fixture
def broker_url(broker_kind: str, request: pytest.FixtureRequest) -> str:
    """An empty broker for this test's Celery messages: a Redis database, or the run's RabbitMQ vhost."""
    if broker_kind == "rabbitmq":
        vhost: RabbitVhost = request.getfixturevalue("rabbitmq_vhost")
        vhost.queues_delete()
        return vhost.url()
    redis_url: str = request.getfixturevalue("redis_url")
    parts = urlsplit(redis_url)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{INTEGRATION_BROKER_DB}", "", ""))
    _redis_db_empty(url)
    return url


@pytest.fixture
def live_db_url(transactional_db: None) -> str:
    """The test database as a URL that child processes can use; its rows are committed."""
    return database_url()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    with sink.running():
        yield sink


@pytest.fixture
def live_env(live_db_url: str, broker_url: str, redis_url: str, smtp_sink: SmtpSink) -> dict[str, str]:
    """The environment a real worker or beat runs with in an integration test."""
    return process_env(
        DATABASE_URL=live_db_url,
        CELERY_BROKER_URL=broker_url,
        REDIS_URL=redis_url,
        EMAIL_URL=smtp_sink.url,
        # Short retries; RabbitMQ's delayed delivery needs countdowns of a second or more.
        TASK_RETRY_BACKOFF_SECONDS="2" if broker_url.startswith("amqp") else "1",
    )


@pytest.fixture
def live_celery(live_env: dict[str, str], broker_url: str) -> Iterator[None]:
    """This process publishes to the real broker instead of running tasks eagerly."""
    with celery_app_on_broker(celery_app, broker_url):
        yield


@pytest.fixture
def celery_worker(live_env: dict[str, str], live_celery: None) -> Iterator[Callable[..., ManagedProcess]]:
    """Start real `celery worker` processes; all are stopped at the end of the test."""
    started: list[ManagedProcess] = []

    def start(**kwargs: object) -> ManagedProcess:
        env = {**live_env, **kwargs.pop("env", {})}  # type: ignore[dict-item]
        worker = start_worker(env=env, **kwargs)  # type: ignore[arg-type]
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
