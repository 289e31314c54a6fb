"""The project's Redis transport (styleguide_project/tasks/app/transport.py), on a real Redis."""

from collections.abc import Iterator

import pytest
from kombu import Connection
from redis.exceptions import ConnectionError as RedisConnectionError

from styleguide_project.tasks.app.transport import Channel, Transport, transport_register


@pytest.fixture
def channel(redis_url) -> Iterator[Channel]:
    transport_register()
    with Connection(redis_url) as connection:
        channel = connection.default_channel
        assert isinstance(channel, Channel)
        yield channel


def test_commands_share_one_client_while_the_pool_lasts(channel):
    with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
        assert first is second
        assert first.ping()

    # A new pool (after a fork, or a lost connection) gets a client of its own.
    channel._disconnect_pools()
    with channel.conn_or_acquire() as third:
        assert third is not first
        assert third.connection_pool is channel.pool
        assert third.ping()


def test_a_client_passed_in_is_used_as_it_is(channel):
    with channel.conn_or_acquire() as shared:
        pass
    other = object()

    with channel.conn_or_acquire(other) as given:
        assert given is other
    with channel.conn_or_acquire() as again:
        assert again is shared


def test_a_detached_connection_raises_a_connection_error_not_an_attribute_error(channel):
    # What Celery 5.7's collect() leaves before it closes a broken connection.
    channel._disconnect_pools()
    client = channel.connection.client
    channel.connection.client = None
    try:
        with pytest.raises(RedisConnectionError, match="already closed"):
            with channel.conn_or_acquire():
                pass
    finally:
        channel.connection.client = client


def test_a_plain_redis_url_gets_the_project_transport_and_stays_plain():
    transport_register()

    for url in ("redis://127.0.0.1:6379/3", "rediss://127.0.0.1:6380/3"):
        connection = Connection(url)
        assert isinstance(connection.transport, Transport)
        # What Flower and the worker banner read: the scheme is Redis's own.
        assert connection.as_uri().split("://")[0] == url.split("://")[0]
