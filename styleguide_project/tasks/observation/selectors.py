"""Reads about the broker's queues as a task sees them."""

import logging
from typing import Any

from celery import Task
from kombu import Queue

logger = logging.getLogger(__name__)


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
