"""`@one_instance`: at most one run of a task (or of a lock key) at a time, across every worker.

With `REDIS_URL` set the lock is a redis-py `Lock`: it carries an owner token,
so a run can only release its own lock, never one that a later run took after
this one's expired. Without Redis it is an entry in Django's cache, added with
`cache.add` (atomic on the cache backends Django ships).

The lock is released as soon as the run ends: it returns, raises or retries.
Its timeout only matters when the worker is killed outright (SIGKILL, OOM):
then the lock lapses after `timeout` seconds instead of being held forever.
"""

import functools
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast, overload

from django.conf import settings
from django.core.cache import cache

from styleguide_project.tasks.app.current import running_task
from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

LOCK_PREFIX = "styleguide_project:lock:"
# The cache has no way to list its keys: the fallback keeps an index of its
# locks, one entry that every change reads and writes under a mutex.
CACHE_INDEX_KEY = "styleguide_project:lock-index"
CACHE_INDEX_MUTEX_KEY = "styleguide_project:lock-index:mutex"
# Longer than any update of the index takes; a process killed while holding
# the mutex blocks the others this long at most.
CACHE_INDEX_MUTEX_TIMEOUT = 5.0


def one_instance_skipped(lock: str) -> dict[str, str]:
    """What a run returns when it was skipped because another run holds `lock`.

    A distinct, JSON-serializable value, so callers and the result backend can
    tell a skipped run from one that did its work.
    """
    return {"skipped": "one_instance", "lock": lock}


class TaskLock(Protocol):
    key: str

    def acquire(self) -> bool: ...

    def release(self) -> bool:
        """Release if this lock still owns the key; False if it expired and may be someone else's now."""
        ...


class RedisTaskLock:
    def __init__(self, key: str, timeout: float) -> None:
        from redis.lock import Lock

        self.key = key
        # thread_local=False: the token must be the same in whichever thread releases.
        self._lock = Lock(
            redis_client(purpose=RedisPurpose.LOCKS),
            LOCK_PREFIX + key,
            timeout=timeout,
            blocking=False,
            thread_local=False,
        )

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False))

    def release(self) -> bool:
        from redis.exceptions import LockError

        try:
            self._lock.release()
        except LockError:
            return False
        return True


class CacheTaskLock:
    def __init__(self, key: str, timeout: float) -> None:
        self.key = key
        self._timeout = timeout
        self._token = uuid.uuid4().hex

    def acquire(self) -> bool:
        value = {"token": self._token, "expires_at": time.time() + self._timeout}
        if not cache.add(LOCK_PREFIX + self.key, value, timeout=self._timeout):
            return False
        cache_lock_index_update(add=self.key)
        return True

    def release(self) -> bool:
        value = cache.get(LOCK_PREFIX + self.key)
        if not value or value.get("token") != self._token:
            return False
        cache.delete(LOCK_PREFIX + self.key)
        return True


def cache_lock_index_update(*, add: str | None = None, remove: str | None = None) -> None:
    """Add or remove a key in the cache fallback's index of held locks, atomically.

    A plain read-then-write would lose the change of another process or
    thread writing in between; the mutex is an entry added with `cache.add`,
    atomic as the locks themselves are.
    """
    token = uuid.uuid4().hex
    deadline = time.monotonic() + CACHE_INDEX_MUTEX_TIMEOUT
    while not cache.add(CACHE_INDEX_MUTEX_KEY, token, timeout=CACHE_INDEX_MUTEX_TIMEOUT):
        if time.monotonic() > deadline:
            raise TimeoutError(f"The cache entry {CACHE_INDEX_MUTEX_KEY!r} stayed taken for too long.")
        time.sleep(0.001)
    try:
        index: set[str] = cache.get(CACHE_INDEX_KEY, set())
        if add is not None:
            index = index | {add}
        if remove is not None:
            index = index - {remove}
        cache.set(CACHE_INDEX_KEY, index, timeout=None)
    finally:
        cache.delete(CACHE_INDEX_MUTEX_KEY)


def task_lock(*, key: str, timeout: float) -> TaskLock:
    if settings.REDIS_URL:
        return RedisTaskLock(key, timeout)
    return CacheTaskLock(key, timeout)


@overload
def one_instance(func: F) -> F: ...


@overload
def one_instance(*, key: str | None = None, timeout: float | None = None) -> Callable[[F], F]: ...


def one_instance(
    func: F | None = None, *, key: str | None = None, timeout: float | None = None
) -> F | Callable[[F], F]:
    """Skip a run while another run of the same task (or `key`) holds the lock.

    Goes below `@shared_task`. `key` defaults to the task's name and may use the
    task's keyword arguments: `key="report:{account_id}"`. `timeout` (seconds)
    defaults to `settings.DEFAULT_ONE_INSTANCE_TIMEOUT`. A skipped run logs why
    and returns `one_instance_skipped(lock)`.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            task = running_task()
            lock_key = key.format(**kwargs) if key else (task.name if task else f"{func.__module__}.{func.__name__}")
            lock = task_lock(key=lock_key, timeout=timeout or settings.DEFAULT_ONE_INSTANCE_TIMEOUT)
            if not lock.acquire():
                logger.info("Skipped: another run holds the one_instance lock %r.", lock_key)
                return one_instance_skipped(lock_key)
            try:
                return func(*args, **kwargs)
            finally:
                if not lock.release():
                    logger.warning(
                        "The one_instance lock %r expired before the run ended; its timeout is too short.", lock_key
                    )

        return cast(F, wrapper)

    if func is not None:
        return decorate(func)
    return decorate
