"""The Redis broker transport: kombu's, with a fix for a worker that loses its broker,
and one Redis client per channel instead of one per command.

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
visibility timeout, and the outbox relay publishes their runs again sooner.
While Redis is unreachable the hand-back could not have worked anyway.

kombu also builds a new `redis.Redis` client for every command it sends
outside the event loop (each publish): about a fifth of a publish's CPU in a
web request. A client is only a handle on the channel's connection pool and
is safe to share, so the channel keeps one for as long as it keeps that pool.

The transport is registered under kombu's own `redis` and `rediss` aliases
(`kombu.transport.TRANSPORT_ALIASES`, part of kombu's documented reference),
so the broker URL stays a plain `redis://...`: Flower, the worker banner and
anything else that reads the URL's scheme sees Redis.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu import transport as kombu_transport
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        # kombu's own builds a client per command (kombu/transport/redis.py, Channel.conn_or_acquire, unchanged
        # on kombu's main branch; no upstream report of its cost yet). The client is built by kombu's private
        # `_create_client`, which no public method replaces: it is how kombu itself builds one (with the
        # pool's credential provider). test_broker.py runs stock kombu and fails once it shares a client:
        # then this override goes.
        if client:
            yield client
            return
        pool = self.pool
        # A new pool (after a fork, or after the connection was lost) gets a new client.
        if self._shared_client is None or self._shared_client.connection_pool is not pool:
            self._shared_client = self._create_client()  # type: ignore[attr-defined]
        yield self._shared_client

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        # Overrides a private method because every pool, synchronous or not, is built from its parameters
        # and no public hook sees a detached connection first. Upstream: the same AttributeError from
        # `_connparams`, raised while a channel closes, https://github.com/celery/kombu/issues/582 (closed
        # without a fix; kombu's main branch still reads `self.connection.client.hostname` unguarded).
        # test_broker.py runs stock kombu and fails once it raises something else: then this override goes.
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was already closed; messages not handed back")
        # kombu's stubs do not declare this method.
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]
        return params


class Transport(kombu_redis.Transport):
    Channel = Channel


TRANSPORT_PATH = "styleguide_project.tasks.app.transport:Transport"


def transport_register() -> None:
    """Make `redis://` and `rediss://` broker URLs use this transport, in this process."""
    for alias in ("redis", "rediss"):
        kombu_transport.TRANSPORT_ALIASES[alias] = TRANSPORT_PATH
