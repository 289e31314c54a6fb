"""A report that is costly to compute, kept in Django's cache and computed by one caller at a time.

The health report and the metrics exposition are asked for by many callers
at once (load balancers, uptime monitors, Prometheus servers, in every web
process), and each computation reads the database and the broker. A
`CachedReport` keeps the latest value in Django's cache, which every process
shares, with the time it was computed, and answers by that value's age
(`ReportPolicy`):

- younger than `fresh_for`: the kept value is the answer;
- older, but not older than `usable_for`: it is still the answer, and a new
  one is computed, on a background thread (`background`) or else by the one
  caller that takes the lock;
- missing, or older than that: the caller that takes the lock computes it;
  the others wait for its value, at most `wait_for` seconds, and then
  compute it themselves.

The lock is an entry added with `cache.add` (atomic on the cache backends
Django ships), so one computation runs at a time across every process that
shares the cache; it lapses after `lock_for` seconds if its holder dies. A
cache that fails costs no answer: the caller computes without it.

`OneThread` runs calls on one background thread of its own and refuses a new
call while the previous one runs: a caller gives up on a call that is stuck
there (a broker that never answers), and no call piles up behind it.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import connections

from styleguide_project.core.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How often a caller waiting for another caller's computation looks for its value.
POLL_SECONDS = 0.05


class OneThread:
    """One background thread, running one call at a time."""

    def __init__(self, *, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._mutex = threading.Lock()
        self.pending: Future[Any] | None = None

    def busy(self) -> bool:
        pending = self.pending
        return pending is not None and not pending.done()

    def start(self, call: Callable[[], T]) -> Future[T] | None:
        """Run `call` on the thread; None, and nothing started, while the previous call still runs."""
        with self._mutex:
            if self.busy():
                return None
            future = self._executor.submit(call)
            self.pending = future
            return future

    def join(self, *, timeout: float) -> bool:
        """Wait for the call in progress, if any, at most `timeout` seconds; True once none runs."""
        pending = self.pending
        if pending is None:
            return True
        done, _ = futures_wait([pending], timeout=timeout)
        return bool(done)


@dataclass(frozen=True)
class ReportPolicy:
    """How a `CachedReport` answers, by the age of the value it keeps (seconds)."""

    # A kept value younger than this is the answer.
    fresh_for: float
    # An older value, but not older than this, is still the answer while a new one is computed.
    usable_for: float
    # How long the cache keeps a value.
    keep_for: float
    # How long the lock lives: longer than a computation takes, so that only a dead holder loses it.
    lock_for: float
    # How long a caller with no usable value waits for another caller's computation.
    wait_for: float
    # True: a usable value is refreshed on a background thread, and every caller answers at once.
    background: bool = False


class CachedReport(Generic[T]):
    """The latest value of `compute()`, kept under `key` in Django's cache, computed by one caller at a time.

    `stored_as` names the two fields of the stored entry (the time it was
    computed, the value): processes of two releases share the cache during a
    deploy, so a report keeps its names.
    """

    def __init__(
        self,
        *,
        name: str,
        key: str,
        lock_key: str,
        compute: Callable[[], T],
        runner: OneThread | None = None,
        stored_as: tuple[str, str] = ("computed_at", "value"),
    ) -> None:
        self.name = name
        self.key = key
        self.lock_key = lock_key
        self.compute = compute
        self.runner = runner or OneThread(name=f"refresh-{name.lower().replace(' ', '-')}")
        self._at, self._value = stored_as

    def get(self, *, policy: ReportPolicy, now: float | None = None) -> T:
        if policy.fresh_for <= 0:
            return self.compute()
        now = time.time() if now is None else now
        try:
            kept = self._read()
        except CACHE_ERRORS:
            logger.warning("%s: the cache is not answering; computing without it", self.name, exc_info=True)
            return self.compute()
        if kept is not None and now - kept[0] <= policy.fresh_for:
            return kept[1]
        usable = kept if kept is not None and now - kept[0] <= policy.usable_for else None
        if usable is not None and policy.background:
            self._refresh_start(policy)
            return usable[1]
        try:
            taken = cache.add(self.lock_key, 1, timeout=_whole_seconds(policy.lock_for))
        except CACHE_ERRORS:
            logger.warning("%s: the cache is not answering; computing without it", self.name, exc_info=True)
            return self.compute()
        if taken:
            # The caller that held the lock may have kept a new value between the read above and this
            # lock: that value is the answer, not a second computation.
            fresh = self._fresh_after_lock(policy, now=now)
            return fresh[1] if fresh is not None else self._compute_and_keep(policy)
        if usable is not None:
            # Another caller is computing the next value: the older one answers meanwhile.
            return usable[1]
        return self._wait(policy, newer_than=None if kept is None else kept[0])

    def _fresh_after_lock(self, policy: ReportPolicy, *, now: float) -> tuple[float, T] | None:
        try:
            kept = self._read()
            if kept is None or now - kept[0] > policy.fresh_for:
                return None
            cache.delete(self.lock_key)
        except CACHE_ERRORS:
            return None
        return kept

    def _read(self) -> tuple[float, T] | None:
        stored = cache.get(self.key)
        try:
            return float(stored[self._at]), stored[self._value]
        except (KeyError, TypeError, ValueError):
            return None  # nothing kept, or an entry of another shape: as good as nothing

    def _compute_and_keep(self, policy: ReportPolicy) -> T:
        try:
            value = self.compute()
            try:
                stored = {self._at: time.time(), self._value: value}
                cache.set(self.key, stored, timeout=_whole_seconds(policy.keep_for))
            except CACHE_ERRORS:
                logger.warning("%s: the cache stopped answering; the value is not kept", self.name, exc_info=True)
        finally:
            try:
                cache.delete(self.lock_key)
            except CACHE_ERRORS:
                pass  # the lock lapses by its own timeout
        return value

    def _wait(self, policy: ReportPolicy, *, newer_than: float | None) -> T:
        deadline = time.monotonic() + policy.wait_for
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            try:
                kept = self._read()
            except CACHE_ERRORS:
                break
            if kept is not None and (newer_than is None or kept[0] > newer_than):
                return kept[1]
        return self.compute()

    def _refresh_start(self, policy: ReportPolicy) -> None:
        if self.runner.busy():
            return
        try:
            if not cache.add(self.lock_key, 1, timeout=_whole_seconds(policy.lock_for)):
                return  # another process is refreshing it
        except CACHE_ERRORS:
            return
        if self.runner.start(lambda: self._refresh(policy)) is None:
            try:
                cache.delete(self.lock_key)
            except CACHE_ERRORS:
                pass

    def _refresh(self, policy: ReportPolicy) -> None:
        try:
            self._compute_and_keep(policy)
        except Exception:  # a failed refresh leaves the kept value to age out
            logger.warning("%s: the background refresh failed", self.name, exc_info=True)
        finally:
            # The database connections this thread opened for the refresh: a connection kept until the next
            # one would outlive a database restart.
            connections.close_all()


def _whole_seconds(seconds: float) -> int:
    # Django's Redis cache counts whole seconds, and 0 would mean "expire at once".
    return max(1, math.ceil(seconds))
