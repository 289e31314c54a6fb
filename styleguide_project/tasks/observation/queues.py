"""Reads of the broker's queues: how many messages wait in each, and how old the oldest is.

The queues are the ones Celery's configuration declares (`task_queues`, or
the default queue), so a deployment that adds queues is read without a code
change. Every wait on the network is bounded by `timeout`.

- Redis: each queue is a list per priority step (kombu's documented
  `priority_steps` and `sep` transport options); producers push on the left
  and consumers pop on the right, so the oldest waiting message is the
  rightmost element, read with LINDEX without taking it. Its age comes from
  the publish time every message carries (`tasks/observation/publish_stamp.py`). The
  count and the oldest message come from one round trip.
- RabbitMQ: the count comes from a passive `queue.declare`. The oldest
  message's age cannot be read over AMQP without taking the message (a get
  and a requeue would count as a redelivery against a quorum queue's
  delivery limit), so it is left unknown (None): the management plugin's
  HTTP API or `rabbitmq_prometheus` is the place for it.
"""

import json
import time
from dataclasses import dataclass
from typing import Any

from kombu import Queue

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client
from styleguide_project.tasks.observation.publish_stamp import PUBLISHED_AT_HEADER

# kombu's Redis transport keeps a queue as one list per priority step: under the
# queue's own name for the first step, under `<queue><sep><step>` for the
# others. Celery's routing guide documents this layout ("Redis Message
# Priorities", https://github.com/celery/celery/pull/6900; the separator:
# https://github.com/celery/kombu/issues/422), but kombu names the keys only in
# a private method (`Channel._q_for_pri`) and has no public call that reads a
# message without taking it. So the layout is written here, with kombu's
# defaults for its transport options of the same names. test_queues.py checks
# it against stock kombu and fails once kombu changes it.
_PRIORITY_STEPS = (0, 3, 6, 9)
_SEP = "\x06\x16"


@dataclass(frozen=True)
class QueueDepth:
    name: str
    messages: int
    # None: the queue is empty, or the broker cannot tell (RabbitMQ, a message without a publish time).
    oldest_age_seconds: float | None


def task_queue_names() -> list[str]:
    """The queues Celery's configuration declares: `task_queues`, or else the default queue."""
    return sorted(celery_app.amqp.queues.keys())


def task_queue_depth_list(*, timeout: float, names: list[str] | None = None) -> list[QueueDepth]:
    """The depth of the queues `names` (every declared queue by default); raises the broker's own error when it
    cannot be read."""
    url = celery_app.conf.broker_url
    names = task_queue_names() if names is None else names
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_depths(names, timeout=timeout)
    return _amqp_depths(names, timeout=timeout)


def redis_queue_keys(name: str) -> list[str]:
    """The Redis keys of the queue `name`, one per priority step, as kombu names them under the broker's options."""
    options = celery_app.conf.broker_transport_options or {}
    steps = options.get("priority_steps", _PRIORITY_STEPS)
    sep = options.get("sep", _SEP)
    prefix = options.get("global_keyprefix", "")
    return [f"{prefix}{name}{sep}{step}" if step else f"{prefix}{name}" for step in steps]


def _redis_depths(names: list[str], *, timeout: float) -> list[QueueDepth]:
    client = redis_client(purpose=RedisPurpose.BROKER, timeout=timeout)
    keys = {name: redis_queue_keys(name) for name in names}
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            for key in keys[name]:
                pipe.llen(key)
                pipe.lindex(key, -1)
        replies = iter(pipe.execute())
    now = time.time()
    depths = []
    for name in names:
        # Each key's LLEN and LINDEX, in the order they were sent.
        own = [(int(next(replies)), next(replies)) for _ in keys[name]]
        lengths, tails = [length for length, _ in own], [tail for _, tail in own]
        stamps = [stamp for stamp in (_published_at(tail) for tail in tails if tail is not None) if stamp is not None]
        oldest = round(max(0.0, now - min(stamps)), 3) if stamps else None
        depths.append(QueueDepth(name=name, messages=sum(lengths), oldest_age_seconds=oldest))
    return depths


def _published_at(raw: bytes) -> float | None:
    try:
        message: Any = json.loads(raw)
        stamp = message["headers"][PUBLISHED_AT_HEADER]
    except (ValueError, KeyError, TypeError):
        return None
    return float(stamp) if isinstance(stamp, int | float) else None


def _amqp_depths(names: list[str], *, timeout: float) -> list[QueueDepth]:
    depths = []
    with celery_app.connection_for_read(connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=0)
        for name in names:
            # A channel per queue: a passive declare of a queue that does not exist closes its channel.
            channel: Any = conn.channel()
            try:
                declared: Any = Queue(name).bind(channel).queue_declare(passive=True)
                messages = int(declared.message_count)
            except conn.channel_errors:
                messages = 0  # not declared yet: nothing was ever published to it
            finally:
                try:
                    channel.close()
                except conn.channel_errors + conn.connection_errors:
                    pass
            depths.append(QueueDepth(name=name, messages=messages, oldest_age_seconds=None))
    return depths
