"""Pointing this process's Celery app at a real broker: Redis, or a RabbitMQ virtual host of the run's own."""

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery

from config.settings.celery import broker_is_rabbitmq, broker_task_queues, broker_transport_options
from styleguide_project.tasks.app.transport import transport_register
from testing.services import service_missing

# The brokers the parametrised suites run on (conftest.py's `broker_kind`).
BROKERS = ("redis", "rabbitmq")

RABBITMQ_HOST = "127.0.0.1"
RABBITMQ_PORT = 5672


@contextmanager
def celery_app_on_broker(app: Celery, broker_url: str) -> Iterator[Celery]:
    """Point this process's Celery app at a real broker (not eager) for the block.

    The queues and transport options follow the broker, as the settings do in
    a process started with that CELERY_BROKER_URL: quorum queues and publisher
    confirms on RabbitMQ, the visibility timeout on Redis.
    """
    keys = ("broker_url", "task_always_eager", "task_queues", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    # Celery reads the broker from CELERY_BROKER_URL in the environment before
    # its configuration (the benchmarks export it): the block changes both.
    saved_variable = os.environ.get("CELERY_BROKER_URL")
    if saved_variable is not None:
        os.environ["CELERY_BROKER_URL"] = broker_url
    # What the settings do in a process started with a Redis CELERY_BROKER_URL.
    if broker_url.startswith(("redis://", "rediss://")):
        transport_register()

    def reset_pools() -> None:
        # kombu keeps connection pools in a global registry keyed by URL.
        from kombu import pools

        pools.reset()
        # Celery caches its pool and producer pool; dropping them makes it
        # build new ones for the new broker URL (as it does after a fork).
        app._after_fork()  # type: ignore[attr-defined]

    def use_queues() -> None:
        # The declarations and the router are built once from the settings;
        # their setters rebuild them from the queues now configured.
        app.amqp.queues = app.conf.task_queues  # type: ignore[misc] # kombu's cached_property has a setter
        app.amqp.router = app.amqp.Router()  # type: ignore[misc]

    reset_pools()
    app.conf.update(
        broker_url=broker_url,
        task_always_eager=False,
        task_queues=broker_task_queues(broker_url),
        broker_transport_options=broker_transport_options(broker_url),
    )
    use_queues()
    try:
        yield app
    finally:
        if saved_variable is not None:
            os.environ["CELERY_BROKER_URL"] = saved_variable
        reset_pools()
        app.conf.update(saved)
        use_queues()


def rabbitmq_answering(host: str = RABBITMQ_HOST, port: int = RABBITMQ_PORT) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class RabbitVhost:
    """A RabbitMQ virtual host of its own (guest may use it), deleted at the end.

    `rabbitmqctl` takes a few seconds per call, so a run makes one and each
    test empties the project's queues in it (`queues_delete`).
    """

    def __init__(
        self, *, prefix: str = os.environ.get("STYLEGUIDE_TEST_RABBITMQ_VHOST_PREFIX", "styleguide_test")
    ) -> None:
        if shutil.which("rabbitmqctl") is None:
            service_missing("needs RabbitMQ: the rabbitmqctl program (Debian package rabbitmq-server)")
        if not rabbitmq_answering():
            service_missing(f"needs RabbitMQ on {RABBITMQ_HOST}:{RABBITMQ_PORT} (.ci/services.sh ensure_rabbitmq)")
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"

    def url(self, host: str = RABBITMQ_HOST) -> str:
        return f"amqp://guest:guest@{host}:{RABBITMQ_PORT}/{self.name}"

    def create(self) -> "RabbitVhost":
        _rabbitmqctl("add_vhost", self.name)
        _rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        return self

    def delete(self) -> None:
        _rabbitmqctl("delete_vhost", self.name)

    def queues_delete(self) -> None:
        """Delete the project's queues and Celery's delay queues: the next worker declares them afresh."""
        from kombu import Connection

        names = [queue.name for queue in broker_task_queues(self.url())] + _delay_queue_names()
        with Connection(self.url(), connect_timeout=5) as connection:
            channel = connection.channel()
            for name in names:
                channel.queue_delete(name)  # type: ignore[attr-defined] # py-amqp's channel

    def delayed_messages(self) -> int:
        """Messages waiting in Celery's delay queues (native delayed delivery), as the queues count them now.

        `rabbitmqctl list_queues` shows a quorum queue's length from statistics
        refreshed every few seconds, so a retry that waits a second or two in a
        delay queue can come and go unseen there; a passive declare asks each
        queue itself.
        """
        from amqp.exceptions import NotFound
        from kombu import Connection

        total = 0
        with Connection(self.url(), connect_timeout=5) as connection:
            channel = connection.channel()
            for name in _delay_queue_names():
                try:
                    _, messages, _ = channel.queue_declare(name, passive=True)  # type: ignore[attr-defined]
                except NotFound:
                    # Not declared (yet): the server closes the channel that asked.
                    channel = connection.channel()
                    continue
                total += messages
        return total


def _delay_queue_names() -> list[str]:
    from kombu.transport.native_delayed_delivery import MAX_LEVEL, level_name

    return [level_name(level) for level in range(MAX_LEVEL + 1)]


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)  # noqa: S603, S607


__all__ = ["BROKERS", "RabbitVhost", "broker_is_rabbitmq", "celery_app_on_broker", "rabbitmq_answering"]
