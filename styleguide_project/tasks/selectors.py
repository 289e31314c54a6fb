"""Reads about tasks: the one_instance locks held right now, the length of a task's queue."""

import logging
import time
from dataclasses import dataclass
from typing import Any

from celery import Task
from django.conf import settings
from django.core.cache import cache
from kombu import Queue

from styleguide_project.tasks.locks import CACHE_INDEX_KEY, LOCK_PREFIX, redis_client

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeldLock:
    key: str
    ttl_seconds: float | None


def task_lock_list() -> list[HeldLock]:
    """The one_instance locks held right now, with the seconds left before they lapse."""
    if settings.REDIS_URL:
        client = redis_client()
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


def task_queue_waiting(*, task: Task) -> int | None:
    """How many messages wait in the broker queue `task` is routed to; None when the broker cannot tell.

    For work that must not add load while the workers are behind (a
    recovery): a queue with messages waiting has work the workers will reach.
    A queue the broker does not know yet has none.
    """
    app = task.app
    try:
        queue = app.amqp.router.route({}, task.name)["queue"].name
        with app.connection_for_read() as conn:
            try:
                declared: Any = Queue(queue).bind(conn.default_channel).queue_declare(passive=True)
            except conn.channel_errors:
                return 0
    except Exception:
        logger.warning("Could not read the length of %s's queue", task.name, exc_info=True)
        return None
    return int(declared.message_count)
