"""The health of what the API depends on: the database, the broker, the workers and beat.

Every wait on the network is bounded by `HEALTH_TIMEOUT_SECONDS`, so a dead or
silent Redis turns into a quick 503 instead of a hung web worker. Failures are
logged here with their cause; the public answer only names the failing part.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypedDict, TypeVar

import redis
from django.conf import settings
from django.db import connection
from redis.backoff import NoBackoff
from redis.retry import Retry

from styleguide_project.tasks.celery import app as celery_app

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
EAGER = "eager"
MISSING = "missing"
STALE = "stale"

T = TypeVar("T")


class PartHealth(TypedDict, total=False):
    status: str
    count: int | None
    last_tick_seconds_ago: float | None


def health_check() -> dict[str, Any]:
    """Each part's state, `failing` naming the parts that are not good, and `status` for the whole.

    In eager mode (no broker: tasks run inside the request) the broker, the
    workers and beat are `eager`, which is not a failure.
    """
    timeout = float(settings.HEALTH_TIMEOUT_SECONDS)
    # The broker and the workers are asked in the background while the
    # database and beat are checked here, so the waits do not add up.
    celery = _Bounded("the broker check", lambda: health_celery(timeout=timeout), seconds=2 * timeout + 0.5)
    database = health_database()
    beat = health_beat(timeout=timeout, stale_after=float(settings.HEALTH_BEAT_STALE_SECONDS))
    broker, workers = celery.result(default=({"status": ERROR}, {"status": ERROR, "count": None}))
    parts = {"database": database, "broker": broker, "workers": workers, "beat": beat}
    failing = [name for name, part in parts.items() if part["status"] not in (OK, EAGER)]
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
    # No retries: redis-py's default would multiply the timeout.
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )
    try:
        # The active beat (styleguide_project/tasks/beat.py) writes the unix
        # time of its latest tick here on every tick.
        raw = client.get(settings.BEAT_LAST_TICK_KEY)
    except redis.RedisError:
        logger.warning("Health: could not read beat's last tick from Redis", exc_info=True)
        return {"status": ERROR, "last_tick_seconds_ago": None}
    finally:
        client.close()
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


class _Bounded(Generic[T]):
    """Runs `function` in a daemon thread; `result()` waits for it at most `seconds`, then gives `default`.

    Publishing the ping goes through kombu, which retries a lost connection
    without limit; the request must not wait for that. A thread given up on is
    left to finish alone, and a daemon thread never holds the process open.
    """

    def __init__(self, name: str, function: Callable[[], T], *, seconds: float) -> None:
        self._name = name
        self._seconds = seconds
        self._value: list[T] = []
        self._thread = threading.Thread(target=lambda: self._value.append(function()), daemon=True)
        self._thread.start()

    def result(self, *, default: T) -> T:
        self._thread.join(self._seconds)
        if self._value:
            return self._value[0]
        if self._thread.is_alive():
            logger.warning("Health: %s did not finish within %ss", self._name, self._seconds)
        return default
