"""The health of what the API depends on: the database, the broker, the workers and beat.

Every wait on the network is bounded by `HEALTH_TIMEOUT_SECONDS`, so a dead or
silent Redis turns into a quick 503 instead of a hung web worker. Failures are
logged here with their cause; the public answer only names the failing part.

The endpoint is public, so the full check must not be something anonymous
pollers can use to tie up the web workers: `health_report()` serves a report
at most `HEALTH_CACHE_SECONDS` old from Django's cache, and only one request
at a time (across every process sharing the cache) runs a new check while the
others read the previous report.
"""

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, TypedDict

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from styleguide_project.core.cache import CACHE_ERRORS
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client
from styleguide_project.tasks.periodic.watchdog import periodic_task_timeliness_list

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


def health_report(*, now: float | None = None) -> dict[str, Any]:
    """The latest `health_check()`, at most `HEALTH_CACHE_SECONDS` old.

    When the cached report is older, the one request that takes the lock runs
    a new check; the others answer with the older report meanwhile, and wait
    for the new one only when there is no report at all. If the cache itself
    fails, every request checks on its own (and reports the failure).
    """
    max_age = float(settings.HEALTH_CACHE_SECONDS)
    if max_age <= 0:
        return health_check()
    now = time.time() if now is None else now
    try:
        cached = cache.get(REPORT_KEY)
        if cached is not None and now - cached["checked_at"] < max_age:
            return dict(cached["report"])
        # The lock outlives the longest check, so a crashed holder cannot keep it.
        if not cache.add(LOCK_KEY, 1, timeout=int(4 * settings.HEALTH_TIMEOUT_SECONDS) + 2):
            if cached is not None:
                return dict(cached["report"])
            return _wait_for_report(deadline=time.monotonic() + 3 * float(settings.HEALTH_TIMEOUT_SECONDS) + 1)
    except Exception:  # a cache that fails must not hide the rest of the report
        logger.warning("Health: the cache is not answering; checking without it", exc_info=True)
        return health_check()
    try:
        report = health_check()
        # Kept well beyond max_age, so that a request finding it old still has something to answer with.
        cache.set(REPORT_KEY, {"checked_at": time.time(), "report": report}, timeout=int(10 * max_age) + 60)
    except CACHE_ERRORS:
        logger.warning("Health: the cache stopped answering; the report is not kept", exc_info=True)
    finally:
        try:
            cache.delete(LOCK_KEY)
        except CACHE_ERRORS:
            pass  # the lock lapses by its own timeout
    return report


def health_report_cached(*, now: float | None = None) -> tuple[dict[str, Any] | None, float | None]:
    """The report `health_report()` last kept in the cache and its age in seconds, without checking anything.

    (None, None) when there is none (or no cache): for readers that must not
    wait for a check, such as a metrics scrape, which asks for a new report
    in the background instead.
    """
    try:
        cached = cache.get(REPORT_KEY)
    except CACHE_ERRORS:
        return None, None
    if cached is None:
        return None, None
    now = time.time() if now is None else now
    return dict(cached["report"]), max(0.0, now - cached["checked_at"])


def _wait_for_report(*, deadline: float) -> dict[str, Any]:
    while time.monotonic() < deadline:
        time.sleep(0.05)
        cached = cache.get(REPORT_KEY)
        if cached is not None:
            return dict(cached["report"])
    return health_check()


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
        late = [state.name for state in periodic_task_timeliness_list() if state.late]
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
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
_celery_check: Future[tuple[PartHealth, PartHealth]] | None = None
_CELERY_FAILED: tuple[PartHealth, PartHealth] = ({"status": ERROR}, {"status": ERROR, "count": None})


def _celery_check_start(*, timeout: float) -> Future[tuple[PartHealth, PartHealth]] | None:
    global _celery_check  # one pending check per process
    if _celery_check is not None and not _celery_check.done():
        logger.warning("Health: the previous broker check has not finished yet")
        return None
    _celery_check = _executor.submit(health_celery, timeout=timeout)
    return _celery_check


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
