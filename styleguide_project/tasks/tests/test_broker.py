"""The project's Redis transport (styleguide_project/tasks/app/transport.py), on a real Redis.

The upstream tests run stock kombu and assert what each override works around: the
day kombu changes, they fail and say which override can go or must be revisited.
"""

from collections.abc import Iterator

import pytest
from kombu import Connection
from kombu.transport import redis as kombu_redis
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


@pytest.fixture
def stock_channel(redis_url) -> Iterator[kombu_redis.Channel]:
    # The transport given by class: the `redis` alias may already name the project's.
    with Connection(redis_url, transport=kombu_redis.Transport) as connection:
        channel = connection.default_channel
        assert type(channel) is kombu_redis.Channel
        yield channel


def test_upstream_kombu_builds_a_client_per_command(stock_channel):
    with stock_channel.conn_or_acquire() as first, stock_channel.conn_or_acquire() as second:
        shared = first is second
        # What the override builds its one client with: a client on the channel's pool.
        on_the_pool = stock_channel._create_client().connection_pool is stock_channel.pool

    assert not shared, "kombu now shares one client per channel: the conn_or_acquire override in broker.py can go"
    assert on_the_pool, "kombu's _create_client changed: revisit the conn_or_acquire override in broker.py"


def test_upstream_kombu_raises_an_attribute_error_for_a_detached_connection(stock_channel):
    # What Celery 5.7's collect() leaves before it closes a broken connection.
    stock_channel._disconnect_pools()
    client = stock_channel.connection.client
    stock_channel.connection.client = None
    raised: Exception | None = None
    try:
        with stock_channel.conn_or_acquire():
            pass
    except Exception as error:  # noqa: BLE001 - checked below
        raised = error
    finally:
        stock_channel.connection.client = client

    # The upstream bug the _connparams override works around.
    assert isinstance(raised, AttributeError), (
        f"kombu now {f'raises {raised!r}' if raised else 'builds a client'} for a detached connection: "
        "revisit the _connparams override in broker.py"
    )
