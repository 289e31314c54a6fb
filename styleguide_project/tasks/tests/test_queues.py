"""The depth of the declared queues, read from the broker without taking a message.

Redis is covered end to end by the metrics test (styleguide_project/metrics/tests/test_metrics_api.py);
RabbitMQ here, in the run's own virtual host (skipped without RabbitMQ, failing in CI).
"""

from kombu import Connection, Producer

from config.settings.celery import broker_task_queues
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.observation.queues import task_queue_depth_list, task_queue_names
from testing.brokers import celery_app_on_broker


def test_the_queues_are_the_ones_celery_declares(settings):
    assert task_queue_names() == sorted(celery_app.amqp.queues.keys())
    assert celery_app.conf.task_default_queue in task_queue_names()


def test_rabbitmq_counts_with_a_passive_declare_and_leaves_the_age_unknown(rabbitmq_vhost):
    rabbitmq_vhost.queues_delete()
    url = rabbitmq_vhost.url()
    [queue] = [queue for queue in broker_task_queues(url) if queue.name == celery_app.conf.task_default_queue]
    try:
        with Connection(url, connect_timeout=5) as conn:
            bound = queue(conn.channel())
            bound.declare()
            producer = Producer(conn.channel(), exchange=bound.exchange, routing_key=bound.routing_key)
            for number in range(3):
                producer.publish({"number": number})
            with celery_app_on_broker(celery_app, url):
                depths = {depth.name: depth for depth in task_queue_depth_list(timeout=2)}
    finally:
        rabbitmq_vhost.queues_delete()

    assert depths[queue.name].messages == 3
    # Reading the oldest message's age over AMQP would mean taking it: left unknown.
    assert depths[queue.name].oldest_age_seconds is None
