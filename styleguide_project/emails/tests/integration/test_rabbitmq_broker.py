"""RabbitMQ as the broker, on the real server: what the settings promise is what the server holds."""

import subprocess

import pytest
from django.conf import settings
from django.test import override_settings

from styleguide_project.emails.models import Email
from testing.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.parametrize("broker_kind", ["rabbitmq"], indirect=True)]


def rabbitmqctl(*args: str) -> str:
    completed = subprocess.run(  # noqa: S603 - our own command line
        ["rabbitmqctl", "-q", *args],  # noqa: S607 - the machine's rabbitmqctl
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return completed.stdout


def test_a_worker_declares_durable_quorum_queues_with_the_delivery_limit(celery_worker, rabbitmq_vhost):
    celery_worker(name="rabbit", concurrency=1)

    listing = rabbitmqctl("list_queues", "-p", rabbitmq_vhost.name, "--no-table-headers", "name", "type", "durable")
    rows = {line.split()[0]: line.split()[1:] for line in listing.splitlines() if line.strip()}
    arguments = rabbitmqctl("list_queues", "-p", rabbitmq_vhost.name, "--no-table-headers", "name", "arguments")

    for queue in settings.TASK_QUEUES:
        assert rows[queue] == ["quorum", "true"], rows
    assert f"x-delivery-limit,{settings.RABBITMQ_DELIVERY_LIMIT}" in arguments.replace(" ", "").replace('"', "")


def test_the_servers_consumer_timeout_covers_the_longest_hold(broker_url):
    # A worker holds a message at most a task's hard time limit; the server
    # closes the channel of a consumer that holds one longer than this.
    out = rabbitmqctl("eval", "application:get_env(rabbit, consumer_timeout).").strip()
    timeout_ms = int(out.strip("{}").split(",")[1]) if out.startswith("{ok,") else None

    assert timeout_ms is not None, f"consumer_timeout is unset (no limit) or unreadable: {out}"
    assert timeout_ms >= settings.RABBITMQ_CONSUMER_TIMEOUT_SECONDS * 1000
    assert settings.RABBITMQ_CONSUMER_TIMEOUT_SECONDS > settings.CELERY_TASK_TIME_LIMIT


@override_settings(TASK_MAX_RETRIES=2)
def test_a_retry_waits_in_the_broker_and_runs_again(celery_worker, smtp_sink, staff_client, rabbitmq_vhost):
    # A refused email is retried after a countdown: on quorum queues the
    # message waits in Celery's delay queues (native delayed delivery), not
    # unacknowledged in the worker.
    smtp_sink.refuse_with = "451 4.3.0 Try again later"
    email = Email.objects.create(to="ada@example.com", subject="s", html="<p>h</p>", plain_text="h")
    worker = celery_worker(env={"TASK_MAX_RETRIES": "2", "TASK_RETRY_BACKOFF_SECONDS": "3"})

    response = staff_client.post("/api/emails/send/", {"ids": [email.id]}, format="json")
    assert response.status_code == 202

    # The first countdown is 1.5 to 3 s: asked every 0.1 s, the delay queues are seen holding it.
    wait_until(rabbitmq_vhost.delayed_messages, timeout=30, interval=0.1, what="the retry in a delay queue")
    smtp_sink.refuse_with = None
    wait_until(lambda: Email.objects.get(id=email.id).status == Email.Status.SENT, timeout=60, what="status SENT")
    assert smtp_sink.count() == 1
    assert "Retry in" in worker.output
