"""The depth of the declared queues, read from the broker without taking a message.

Redis is covered end to end by the metrics test (styleguide_project/metrics/tests/test_metrics_api.py);
RabbitMQ here, in the run's own virtual host (skipped without RabbitMQ, failing in CI). Stock kombu is
asked here where it keeps a Redis queue, which observation/queues.py writes down rather than asks (upstream tests).
"""

import time

import redis
from kombu import Connection, Exchange, Producer, Queue
from kombu.transport import redis as kombu_redis

from config.settings.celery import broker_task_queues
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.observation.publish_stamp import PUBLISHED_AT_HEADER
from styleguide_project.tasks.observation.queues import (
    _PRIORITY_STEPS,
    _SEP,
    redis_queue_keys,
    task_queue_depth_list,
    task_queue_names,
)
from testing.brokers import celery_app_on_broker

REVISIT = "kombu changed where its Redis transport keeps a queue: revisit redis_queue_keys in observation/queues.py"


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


def test_queues_py_writes_kombus_own_defaults_for_the_redis_layout():
    # Upstream: kombu's Redis transport options `priority_steps` and `sep`, when none is set.
    assert list(_PRIORITY_STEPS) == list(kombu_redis.Channel.priority_steps), REVISIT
    assert _SEP == kombu_redis.Channel.sep, REVISIT


def test_stock_kombu_keeps_a_redis_queue_where_queues_py_reads_it(broker_url):
    """Messages of every priority, published by stock kombu, are found and counted as kombu counts them."""
    name = "upstream-layout"
    published = time.time() - 100
    with Connection(broker_url, transport=kombu_redis.Transport) as connection:
        channel = connection.channel()
        assert type(channel) is kombu_redis.Channel
        queue = Queue(name, Exchange(name, type="direct"), routing_key=name)(channel)
        queue.declare()
        producer = Producer(channel, exchange=queue.exchange, routing_key=name)
        # One message per priority, the oldest first.
        for priority in range(10):
            producer.publish(
                {"priority": priority}, priority=priority, headers={PUBLISHED_AT_HEADER: published + priority}
            )
        counted_by_kombu = channel.queue_declare(queue=name, passive=True).message_count
        with celery_app_on_broker(celery_app, broker_url):
            keys = redis_queue_keys(name)
            [depth] = task_queue_depth_list(names=[name], timeout=2)
        held = set(redis.Redis.from_url(broker_url, decode_responses=True).keys(f"{name}*"))
        # The message a stock consumer takes first: the rightmost of the first step's list.
        first_taken = channel.basic_get(name, no_ack=True)

    assert held == set(keys), REVISIT
    assert depth.messages == counted_by_kombu == 10, REVISIT
    assert first_taken is not None
    assert first_taken.headers[PUBLISHED_AT_HEADER] == published, REVISIT
    assert depth.oldest_age_seconds is not None
    assert 100 <= depth.oldest_age_seconds < 130, REVISIT
