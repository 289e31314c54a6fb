"""Reads about the one_instance locks: which are held right now."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client
from styleguide_project.tasks.locks.task_lock import CACHE_INDEX_KEY, LOCK_PREFIX


@dataclass(frozen=True)
class HeldLock:
    key: str
    ttl_seconds: float | None


def task_lock_list() -> list[HeldLock]:
    """The one_instance locks held right now, with the seconds left before they lapse."""
    if settings.REDIS_URL:
        client = redis_client(purpose=RedisPurpose.LOCKS)
        names = sorted(client.scan_iter(match=LOCK_PREFIX + "*", count=500))
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.pttl(name)
            ttls = pipe.execute()
        return [
            HeldLock(key=name.decode()[len(LOCK_PREFIX) :], ttl_seconds=ttl / 1000 if ttl >= 0 else None)
            for name, ttl in zip(names, ttls, strict=True)
            if ttl != -2  # -2: gone since the scan
        ]

    held = []
    for lock_key in sorted(cache.get(CACHE_INDEX_KEY, set())):
        value = cache.get(LOCK_PREFIX + lock_key)
        if value:
            held.append(HeldLock(key=lock_key, ttl_seconds=max(0.0, value["expires_at"] - time.time())))
    return held
