"""The health of what the API depends on: the database, the broker, the workers and beat.

Every wait on the network is bounded by `HEALTH_TIMEOUT_SECONDS`, so a dead or
silent Redis turns into a quick 503 instead of a hung web worker. Failures are
logged here with their cause; the public answer only names the failing part.

The endpoint is public, so the full check must not be something anonymous
pollers can use to tie up the web workers: `health_report()` serves a report
at most `HEALTH_CACHE_SECONDS` old from Django's cache, and only one request
at a time (across every process sharing the cache) runs a new check while the
others read the previous report (`common/cached_report.py`).
"""

import functools
import logging
import math
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, TypedDict

import redis
from django.conf import settings
from django.db import connection

from styleguide_project.common.cached_report import CachedReport, OneThread, ReportPolicy
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client
from styleguide_project.tasks.periodic.watchdog import periodic_task_due_list

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
EAGER = "eager"
MISSING = "missing"
STALE = "stale"
LATE = "late"

REPORT_KEY = "styleguide_project:health:report"
LOCK_KEY = "styleguide_project:health:lock"


class PartHealth(TypedDict, total=False):
    status: str
    count: int | None
    last_tick_seconds_ago: float | None
    late: list[str]


def health_report_policy() -> ReportPolicy:
    """How `health_report()` answers: from a report at most `HEALTH_CACHE_SECONDS` old.

    An older report answers the requests that find the lock taken while one
    request checks anew; a request waits only when there is no report at all.
    """
    max_age = float(settings.HEALTH_CACHE_SECONDS)
    timeout = float(settings.HEALTH_TIMEOUT_SECONDS)
    return ReportPolicy(
        fresh_for=max_age,
        usable_for=math.inf,
        # Kept well beyond max_age, so that a request finding it old still has something to answer with.
        keep_for=10 * max_age + 60,
        # The lock outlives the longest check, so a crashed holder cannot keep it.
        lock_for=4 * timeout + 2,
        wait_for=3 * timeout + 1,
    )


# The check is looked up when it runs, as any call of a module's function is.
health_reports: CachedReport[dict[str, Any]] = CachedReport(
    name="Health", key=REPORT_KEY, lock_key=LOCK_KEY, compute=lambda: health_check(), stored_as=("checked_at", "report")
)


def health_report(*, now: float | None = None) -> dict[str, Any]:
    """The latest `health_check()`, at most `HEALTH_CACHE_SECONDS` old (`health_report_policy()`).

    If the cache itself fails, every request checks on its own (and reports the failure).
    """
    return health_reports.get(policy=health_report_policy(), now=now)


def health_check() -> dict[str, Any]:
    """Each part's state, `failing` naming the parts that are not good, and `status` for the whole.

    In eager mode (no broker: tasks run inside the request) the broker, the
    workers and beat are `eager`, a failure unless `HEALTH_EAGER_IS_OK`
    (development and tests).
    """
    timeout = float(settings.HEALTH_TIMEOUT_SECONDS)
    # The broker and the workers are asked in the background while the
    # database and beat are checked here, so the waits do not add up.
    celery = _celery_check_start(timeout=timeout)
    database = health_database()
    beat = health_beat(timeout=timeout, stale_after=float(settings.HEALTH_BEAT_STALE_SECONDS))
    schedules = health_schedules()
    broker, workers = _celery_check_result(celery, seconds=2 * timeout + 0.5)
    parts = {"database": database, "broker": broker, "workers": workers, "beat": beat, "schedules": schedules}
    good = (OK, EAGER) if settings.HEALTH_EAGER_IS_OK else (OK,)
    failing = [name for name, part in parts.items() if part["status"] not in good]
    return {"status": ERROR if failing else OK, "failing": failing, **parts}


def health_database() -> PartHealth:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means the database is not usable
        logger.warning("Health: the database is not answering", exc_info=True)
        return {"status": ERROR}
    return {"status": OK}


def health_schedules() -> PartHealth:
    """`late` names the managed periodic tasks overdue by more than their grace (tasks/periodic/watchdog.py)."""
    if celery_app.conf.task_always_eager:
        return {"status": EAGER, "late": []}
    try:
        late = [state.name for state in periodic_task_due_list().due if state.late]
    except Exception:  # a schedule beat cannot read either, or the database gone since its check
        logger.warning("Health: could not check the periodic tasks' schedules", exc_info=True)
        return {"status": ERROR, "late": []}
    if late:
        logger.warning("Health: periodic tasks overdue: %s", ", ".join(late))
    return {"status": LATE if late else OK, "late": late}


def health_celery(*, timeout: float) -> tuple[PartHealth, PartHealth]:
    """The broker (can we connect?) and the workers (how many answer a ping within `timeout`)."""
    if celery_app.conf.task_always_eager:
        return {"status": EAGER}, {"status": EAGER, "count": None}
    # A connection of our own with short socket timeouts, for the broker check
    # and the replies: the app's pooled connections wait forever on a silent
    # broker. The ping itself goes out through the app's pool, which is why
    # health_check() bounds this whole function with _Bounded.
    transport_options = {
        **celery_app.conf.broker_transport_options,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
    }
    try:
        with celery_app.connection_for_write(connect_timeout=timeout, transport_options=transport_options) as conn:
            # One attempt, no retry: each attempt is bounded by the socket timeouts above.
            conn.ensure_connection(max_retries=0)
            try:
                replies = celery_app.control.ping(timeout=timeout, connection=conn) or []
            except Exception:  # the broker answered a moment ago: the workers are unknown, not the broker
                logger.warning("Health: could not ping the workers", exc_info=True)
                return {"status": OK}, {"status": ERROR, "count": None}
    except Exception:  # kombu raises the transport's own errors; any of them means no broker
        logger.warning("Health: the broker is not answering", exc_info=True)
        return {"status": ERROR}, {"status": ERROR, "count": None}
    count = len({hostname for reply in replies for hostname in reply})
    if count == 0:
        logger.warning("Health: no worker answered the ping within %ss", timeout)
    return {"status": OK}, {"status": OK if count else MISSING, "count": count}


def health_beat(*, timeout: float, stale_after: float) -> PartHealth:
    """How long ago the active beat last ticked: `ok`, `stale` (older than `stale_after`), `missing` or `error`."""
    if celery_app.conf.task_always_eager:
        return {"status": EAGER, "last_tick_seconds_ago": None}
    if not settings.REDIS_URL:
        logger.warning("Health: REDIS_URL is not set, so beat's last tick cannot be read")
        return {"status": ERROR, "last_tick_seconds_ago": None}
    try:
        # The active beat (styleguide_project/tasks/periodic/beat.py) writes the unix
        # time of its latest tick here on every tick.
        raw = redis_client(purpose=RedisPurpose.HEALTH, timeout=timeout).get(settings.BEAT_LAST_TICK_KEY)
    except redis.RedisError:
        logger.warning("Health: could not read beat's last tick from Redis", exc_info=True)
        return {"status": ERROR, "last_tick_seconds_ago": None}
    if raw is None:
        return {"status": MISSING, "last_tick_seconds_ago": None}
    try:
        last_tick = float(raw)
    except ValueError:
        logger.warning("Health: beat's last tick is not a number: %r", raw)
        return {"status": ERROR, "last_tick_seconds_ago": None}
    # A beat on a machine whose clock runs ahead would give a negative age.
    seconds_ago = round(max(0.0, time.time() - last_tick), 1)
    return {"status": OK if seconds_ago <= stale_after else STALE, "last_tick_seconds_ago": seconds_ago}


# Publishing the ping goes through kombu, which retries a lost connection
# without limit; the request must not wait for that. The check runs on this
# process's one health thread: a check stuck there is given up on by the
# request, and no new check is queued behind it until it finishes, so a dead
# broker never piles up threads.
_celery_checks = OneThread(name="health")
_CELERY_FAILED: tuple[PartHealth, PartHealth] = ({"status": ERROR}, {"status": ERROR, "count": None})


def _celery_check_start(*, timeout: float) -> Future[tuple[PartHealth, PartHealth]] | None:
    check = _celery_checks.start(functools.partial(health_celery, timeout=timeout))
    if check is None:
        logger.warning("Health: the previous broker check has not finished yet")
    return check


def _celery_check_result(
    check: Future[tuple[PartHealth, PartHealth]] | None, *, seconds: float
) -> tuple[PartHealth, PartHealth]:
    if check is None:
        return _CELERY_FAILED
    try:
        return check.result(timeout=seconds)
    except FutureTimeoutError:
        logger.warning("Health: the broker check did not finish within %ss", seconds)
    except Exception:  # health_celery catches its own; anything else still means unknown
        logger.warning("Health: the broker check failed", exc_info=True)
    return _CELERY_FAILED
