"""The Redis broker transport: kombu's, with one fix for a worker that loses its broker.

When a worker notices the lost connection on its broadcast (pub/sub)
channel while it holds unacknowledged messages (late acks: a long task, a
retry waiting for its countdown, a batch in progress), Celery 5.7 first
`collect()`s the connection, which detaches it from its transport, and then
closes it. Closing the channel tries to hand the unacknowledged messages
back to Redis through a new client, whose address comes from the detached
(now None) connection: an AttributeError that Celery does not expect, so the
worker stops with "Unrecoverable error" instead of reconnecting.

Here that step raises a connection error instead, which Celery ignores while
closing a broken connection; the worker reconnects. Nothing is lost: Redis
keeps the messages in its unacked set and hands them out again after the
visibility timeout, and the emails among them are re-enqueued sooner by the
recovery of stranded emails. While Redis is unreachable the hand-back could
not have worked anyway.
"""

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was already closed; messages not handed back")
        # kombu's stubs do not declare this method.
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]
        return params


class Transport(kombu_redis.Transport):
    Channel = Channel
