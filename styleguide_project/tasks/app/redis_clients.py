"""The Redis clients the kit and the health check use, one per purpose, each with timeouts that bound every wait.

| purpose | server | connect / command timeout |
| --- | --- | --- |
| `LOCKS`: the one_instance locks | `REDIS_URL` | 2 s / 5 s |
| `BEAT`: beat's lock and its tick | `REDIS_URL` | `BEAT_LOCK_TTL_SECONDS` / 6 |
| `HEALTH`: the health check's read of beat's tick | `REDIS_URL` | the caller's |
| `BROKER`: reading the broker's queues | the broker URL | the caller's |

A dead Redis fails a task's lock quickly instead of hanging a worker, a beat
that cannot reach Redis gives up before its lock would lapse, and the health
check and the metrics answer within their own timeouts. Every command is one
attempt (redis-py's default for a client made from a URL, said here so that
it holds): a retry would multiply the timeout, and each caller decides what a
failure means (a lock not taken, a beat standing by, a part reported down).

A client is a handle on a connection pool, safe to share between threads,
so one client per purpose and settings is kept for the life of the process.
redis-py's pool notices a fork (it records the process id it was made in)
and opens new connections in the child, so a client made before a fork
(a worker's pool processes) is safe to use after it.
"""

import enum
import functools

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

from styleguide_project.tasks.app.celery import app as celery_app


class RedisPurpose(enum.Enum):
    LOCKS = "locks"
    BEAT = "beat"
    HEALTH = "health"
    BROKER = "broker"


# The purposes whose caller bounds the wait with a timeout of its own.
CALLER_TIMED = frozenset({RedisPurpose.HEALTH, RedisPurpose.BROKER})


def redis_client(*, purpose: RedisPurpose, timeout: float | None = None) -> redis.Redis:
    """The client for `purpose`; `timeout` (seconds) is the caller's, for HEALTH and BROKER only."""
    if (timeout is not None) != (purpose in CALLER_TIMED):
        raise TypeError(f"A timeout is given for {', '.join(sorted(p.name for p in CALLER_TIMED))} only.")
    url: str = celery_app.conf.broker_url if purpose is RedisPurpose.BROKER else settings.REDIS_URL
    if not url:
        needed = "a broker URL" if purpose is RedisPurpose.BROKER else "REDIS_URL"
        raise ImproperlyConfigured(f"A Redis client for {purpose.name} needs {needed}.")
    if purpose is RedisPurpose.LOCKS:
        return _client(url, connect=2.0, command=5.0)
    if purpose is RedisPurpose.BEAT:
        bound = float(settings.BEAT_LOCK_TTL_SECONDS) / 6
        return _client(url, connect=bound, command=bound)
    assert timeout is not None  # noqa: S101 - checked above
    return _client(url, connect=timeout, command=timeout)


# A few entries: one per purpose, and another when a setting or the caller's timeout changes.
@functools.lru_cache(maxsize=32)
def _client(url: str, *, connect: float, command: float) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=connect, socket_timeout=command, retry=Retry(NoBackoff(), 0)
    )
