"""The depth of the declared queues, read from the broker without taking a message.

Redis is covered end to end by the metrics test (styleguide_project/metrics/tests/test_metrics_api.py).
RabbitMQ is not one of the services .ci/run starts: its test runs when
STYLEGUIDE_TEST_AMQP_URL names a virtual host of its own (e.g.
amqp://guest:guest@127.0.0.1:5672/metrics_test), and is skipped otherwise.
"""

import os

import pytest
from kombu import Connection, Exchange, Producer, Queue

from styleguide_project.tasks.celery import app as celery_app
from styleguide_project.tasks.queues import task_queue_depth_list, task_queue_names
from testing.brokers import celery_app_on_broker


def test_the_queues_are_the_ones_celery_declares(settings):
    assert task_queue_names() == sorted(celery_app.amqp.queues.keys())
    assert celery_app.conf.task_default_queue in task_queue_names()


def test_rabbitmq_counts_with_a_passive_declare_and_leaves_the_age_unknown():
    url = os.environ.get("STYLEGUIDE_TEST_AMQP_URL")
    if not url:
        pytest.skip("RabbitMQ: set STYLEGUIDE_TEST_AMQP_URL to a virtual host of the test's own")
    name = celery_app.conf.task_default_queue
    with Connection(url) as conn:
        channel = conn.channel()
        queue = Queue(name, Exchange(name), routing_key=name, channel=channel)
        queue.declare()
        queue.purge()
        producer = Producer(channel, exchange=Exchange(name), routing_key=name)
        for number in range(3):
            producer.publish({"number": number}, declare=[queue])
        try:
            with celery_app_on_broker(celery_app, url):
                depths = {depth.name: depth for depth in task_queue_depth_list(timeout=2)}
        finally:
            queue.purge()
            queue.delete()

    assert depths[name].messages == 3
    # Reading the oldest message's age over AMQP would mean taking it: left unknown.
    assert depths[name].oldest_age_seconds is None
