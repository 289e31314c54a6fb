"""Reads about tasks: the one_instance locks held right now, the length of a task's queue, the registered
tasks, the dead letters."""

import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any, TypedDict

from celery import Task
from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from kombu import Queue

from styleguide_project.tasks.base import ProjectTask
from styleguide_project.tasks.celery import app as celery_app
from styleguide_project.tasks.locks import CACHE_INDEX_KEY, LOCK_PREFIX, redis_client
from styleguide_project.tasks.models import DeadLetter

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


def task_registered_get(*, name: str) -> ProjectTask | None:
    """The project task registered under `name`, or None (renamed, removed, or not a project task)."""
    # A web process has imported only the task modules its views reach;
    # loading every app's `tasks` package (as a worker does at start) makes
    # the answer the worker's. Later calls find the modules already imported.
    celery_app.loader.import_default_modules()
    task = celery_app.tasks.get(name)
    return task if isinstance(task, ProjectTask) else None


def task_registered_names() -> set[str]:
    """The names of every registered project task."""
    celery_app.loader.import_default_modules()
    return {name for name, task in celery_app.tasks.items() if isinstance(task, ProjectTask)}


class DeadLetterFilters(TypedDict, total=False):
    task_name: str
    # The day of the final failure, in TIME_ZONE.
    day: datetime.date


def dead_letter_list(*, filters: DeadLetterFilters | None = None) -> QuerySet[DeadLetter]:
    """Dead letters, newest first, each with `task_registered`: False when its task no longer exists."""
    filters = filters or {}
    queryset = DeadLetter.objects.annotate(
        task_registered=ExpressionWrapper(Q(task_name__in=task_registered_names()), output_field=BooleanField())
    ).order_by("-created_at", "-id")
    if "task_name" in filters:
        queryset = queryset.filter(task_name=filters["task_name"])
    if "day" in filters:
        # A range rather than `created_at__date`, so that the index on created_at serves it.
        start = timezone.make_aware(datetime.datetime.combine(filters["day"], datetime.time.min))
        queryset = queryset.filter(created_at__gte=start, created_at__lt=start + datetime.timedelta(days=1))
    return queryset


def dead_letter_get(*, dead_letter_id: int) -> DeadLetter | None:
    return dead_letter_list().filter(id=dead_letter_id).first()
