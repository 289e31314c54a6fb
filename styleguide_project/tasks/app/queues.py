"""Every project queue exists on the broker before a worker consumes, whatever queue it consumes."""

import logging
from typing import Any

from celery import bootsteps
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


class QueuesDeclare(bootsteps.StartStopStep):
    """Declare all the app's queues (their exchanges and bindings) as the worker starts.

    On RabbitMQ, Celery's delayed-delivery step binds the exchange of every
    queue the app knows, not only the queues this worker consumes, to the
    delay exchanges. On a fresh virtual host the exchanges of the other pools'
    queues do not exist until their own workers start, so the first worker to
    start logged "no exchange 'bulk'" and left that queue's countdowns (a
    retry's backoff) without a route until a later worker bound it. A worker
    step runs before the consumer (Celery starts it last), so declaring here
    comes first. Declaring is idempotent, with the arguments of the settings.
    """

    label = "Queues"

    def include_if(self, worker: Any) -> bool:
        from config.settings.celery import broker_is_rabbitmq

        return broker_is_rabbitmq(str(worker.app.conf.broker_url))

    def start(self, worker: Any) -> None:
        app = worker.app
        with app.connection_for_write() as connection:
            try:
                # A broker that is not up yet: the consumer waits for it
                # (broker_connection_retry_on_startup) and declares its own queues.
                connection.ensure_connection(max_retries=3)
                channel = connection.default_channel
                for queue in app.amqp.queues.values():
                    queue(channel).declare()
            except (OperationalError, *connection.connection_errors, *connection.channel_errors) as exc:
                logger.warning(
                    "The project's queues were not declared at start-up (%s): the consumer declares its own.", exc
                )
