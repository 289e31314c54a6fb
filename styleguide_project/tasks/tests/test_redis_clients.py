"""The Redis clients by purpose (styleguide_project/tasks/app/redis_clients.py)."""

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client
from testing.brokers import celery_app_on_broker

# Clients are built without connecting: nothing needs to listen here.
UNUSED_URL = "redis://127.0.0.1:1/0"


def bounds(client) -> tuple[float, float, int]:
    """(connect timeout, command timeout, retries) of the connections the client's pool makes."""
    connection = client.connection_pool.make_connection()
    return connection.socket_connect_timeout, connection.socket_timeout, connection.retry.get_retries()


def test_each_purpose_has_its_bounded_timeouts_and_one_attempt(settings):
    settings.REDIS_URL = UNUSED_URL
    settings.BEAT_LOCK_TTL_SECONDS = 30

    assert bounds(redis_client(purpose=RedisPurpose.LOCKS)) == (2.0, 5.0, 0)
    assert bounds(redis_client(purpose=RedisPurpose.BEAT)) == (5.0, 5.0, 0)
    assert bounds(redis_client(purpose=RedisPurpose.HEALTH, timeout=0.7)) == (0.7, 0.7, 0)


def test_a_client_is_made_once_per_purpose_and_settings(settings):
    settings.REDIS_URL = UNUSED_URL

    locks = redis_client(purpose=RedisPurpose.LOCKS)

    assert redis_client(purpose=RedisPurpose.LOCKS) is locks
    assert redis_client(purpose=RedisPurpose.BEAT) is not locks
    settings.REDIS_URL = "redis://127.0.0.1:1/1"
    assert redis_client(purpose=RedisPurpose.LOCKS) is not locks


def test_the_broker_purpose_reads_the_broker_of_the_celery_app(settings):
    settings.REDIS_URL = UNUSED_URL

    with celery_app_on_broker(celery_app, "redis://127.0.0.1:1/7"):
        client = redis_client(purpose=RedisPurpose.BROKER, timeout=0.5)

    assert client.connection_pool.connection_kwargs["db"] == 7
    assert bounds(client) == (0.5, 0.5, 0)


def test_the_timeout_is_the_callers_only_where_the_caller_bounds_the_wait(settings):
    settings.REDIS_URL = UNUSED_URL

    with pytest.raises(TypeError):
        redis_client(purpose=RedisPurpose.HEALTH)
    with pytest.raises(TypeError):
        redis_client(purpose=RedisPurpose.LOCKS, timeout=1.0)


def test_without_redis_url_there_is_no_client(settings):
    settings.REDIS_URL = ""

    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        redis_client(purpose=RedisPurpose.LOCKS)


def test_a_client_made_before_a_fork_opens_its_own_connections_in_the_child(redis_url):
    client = redis_client(purpose=RedisPurpose.LOCKS)
    assert client.ping()
    parent_connections = client.client_id()

    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports through its exit status
        try:
            fresh = client.ping() and client.client_id() != parent_connections
            os._exit(0 if fresh else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's connection was not taken over by the child: it still answers as before.
    assert client.client_id() == parent_connections
