"""Queues by workload: every project task names its queue, and every queue has a worker pool."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from config.settings.celery import broker_task_queues, broker_transport_options
from styleguide_project.tasks.app.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def project_task_names() -> set[str]:
    """The application's tasks: not Celery's own, nor those the tests register."""
    celery_app.loader.import_default_modules()
    return {
        name
        for name, task in celery_app.tasks.items()
        if task.__module__.startswith("styleguide_project.") and ".tests" not in task.__module__
    }


def test_every_project_task_is_routed_to_one_of_the_queues():
    routes = settings.CELERY_TASK_ROUTES
    names = project_task_names()

    assert names, "no project task is registered: the check would pass on nothing"
    assert names - set(routes) == set(), "route these tasks in config/settings/celery.py"
    assert {route["queue"] for route in routes.values()} <= set(settings.TASK_QUEUES)
    assert settings.CELERY_TASK_DEFAULT_QUEUE in settings.TASK_QUEUES


def test_user_facing_bulk_and_periodic_work_are_on_separate_queues():
    routes = settings.CELERY_TASK_ROUTES

    assert routes["emails.email_send_batch"]["queue"] == settings.TASK_QUEUE_TRANSACTIONAL
    assert routes["users.user_password_reset_send"]["queue"] == settings.TASK_QUEUE_TRANSACTIONAL
    assert routes["emails.email_campaign_send"]["queue"] == settings.TASK_QUEUE_BULK
    assert routes["tasks.outbox_run_delete_finished"]["queue"] == settings.TASK_QUEUE_MAINTENANCE
    assert len(set(settings.TASK_QUEUES)) == 3


def test_rabbitmq_holds_no_message_longer_than_its_consumer_timeout():
    # On RabbitMQ a countdown waits in the broker (native delayed delivery), so
    # a worker holds a message at most for a task's hard time limit.
    assert settings.CELERY_TASK_TIME_LIMIT < settings.RABBITMQ_CONSUMER_TIMEOUT_SECONDS


def test_every_queue_has_a_worker_pool_in_each_way_of_running_the_stack():
    procfile = (ROOT / "Procfile.dev").read_text()
    start_worker = (ROOT / "docker" / "start-worker").read_text()
    for queue in settings.TASK_QUEUES:
        assert re.search(rf"^worker-{queue}:.*start-worker {queue}\b", procfile, re.MULTILINE), queue
        assert re.search(rf"^\s*{queue}\)", start_worker, re.MULTILINE), queue
        for name in ("docker-compose.yml", "docker-compose.dev.yml"):
            services = yaml.safe_load((ROOT / name).read_text())["services"]
            command = " ".join(services[f"worker-{queue}"]["command"])
            assert re.search(rf"docker/start-worker {queue}\b", command), (name, command)


def test_on_rabbitmq_the_queues_are_quorum_queues_with_a_delivery_limit_and_publishes_are_confirmed():
    url = "amqp://guest:guest@rabbitmq.internal:5672/styleguide"

    queues = broker_task_queues(url)
    options = broker_transport_options(url)

    assert [queue.name for queue in queues] == list(settings.TASK_QUEUES)
    for queue in queues:
        assert queue.queue_arguments == {"x-queue-type": "quorum", "x-delivery-limit": settings.RABBITMQ_DELIVERY_LIMIT}
        assert queue.durable
        # Native delayed delivery (countdowns waiting in the broker) needs topic exchanges.
        assert queue.exchange.type == "topic"
    assert options["confirm_publish"] is True
    assert "visibility_timeout" not in options
    assert settings.CELERY_TASK_DEFAULT_DELIVERY_MODE == "persistent"


def test_on_redis_the_queues_are_plain_and_the_visibility_timeout_is_set():
    url = "redis://redis.internal:6379/1"

    queues = broker_task_queues(url)
    options = broker_transport_options(url)

    assert all(queue.queue_arguments is None and queue.exchange.type == "direct" for queue in queues)
    assert options["visibility_timeout"] == settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    assert "confirm_publish" not in options


def test_rabbitmq_refuses_a_backoff_that_would_make_sub_second_countdowns():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.django.local",
        "DJANGO_READ_DOT_ENV_FILE": "False",
        "CELERY_BROKER_URL": "amqp://guest:guest@rabbitmq.internal:5672/styleguide",
        "TASK_RETRY_BACKOFF_SECONDS": "1",
    }

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode != 0
    assert "TASK_RETRY_BACKOFF_SECONDS must be at least 2 with RabbitMQ" in result.stderr
