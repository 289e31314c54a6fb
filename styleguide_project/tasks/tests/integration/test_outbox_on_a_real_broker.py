"""The outbox on a real broker and real workers: what the request could not publish is published by a worker's relay."""

import logging
import re

import pytest
from django.db import transaction

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit
from styleguide_project.tasks.tests.probe_tasks import probe_retry_after, probe_sleep
from testing.brokers import celery_app_on_broker
from testing.processes import free_port, wait_until

pytestmark = pytest.mark.integration


def test_runs_the_broker_refused_are_published_by_a_workers_relay(
    celery_worker, smtp_sink, user_client, user, monkeypatch, caplog
):
    # The request commits while nothing answers at the broker's address.
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {"max_retries": 0})
    with celery_app_on_broker(celery_app, dead_broker), caplog.at_level(logging.ERROR):
        response = user_client.post("/api/users/me/onboarding/complete/")
    assert response.status_code == 200
    run = OutboxRun.objects.get()
    assert run.published_at is None

    # A worker on the real broker publishes it from the outbox, with no operator action.
    celery_worker(
        env={
            "OUTBOX_RELAY_INTERVAL_SECONDS": "0.5",
            "OUTBOX_RELAY_AFTER_SECONDS": "0",
            "OUTBOX_MARK_BATCH_SECONDS": "0",
        }
    )

    wait_until(lambda: smtp_sink.count() == 1, timeout=30, what="the onboarding email at the SMTP sink")
    # The worker marks it SENT in its own commit, just after the sink has the message.
    wait_until(lambda: Email.objects.get().status == Email.Status.SENT, timeout=10, what="the email marked SENT")
    run.refresh_from_db()
    assert run.published_at is not None
    # The worker saw the run came from the outbox and marked it done.
    wait_until(lambda: OutboxRun.objects.get().done_at is not None, timeout=10, what="the run marked done")


def test_a_run_published_twice_runs_once_on_a_worker(celery_worker, smtp_sink, staff_client):
    email = Email.objects.create(to="ada@example.com", subject="s", html="<p>h</p>", plain_text="h")
    worker = celery_worker()

    response = staff_client.post("/api/emails/send/", {"ids": [email.id]}, format="json")
    assert response.status_code == 202
    wait_until(lambda: OutboxRun.objects.filter(done_at__isnull=False).exists(), timeout=30, what="the run done")
    run = OutboxRun.objects.get()

    # The relay or a redelivery sends the same run again.
    celery_app.tasks[run.task_name].apply_async(kwargs=run.kwargs, task_id=run.task_id, headers={"outbox": "1"})

    worker.wait_for_output(rf"{run.task_id}\] already ran to the end", timeout=30)
    assert smtp_sink.count() == 1


def test_a_copy_that_arrives_while_the_run_is_running_waits_and_then_does_nothing(celery_worker):
    worker = celery_worker(
        concurrency=2,
        extra=("--include", "styleguide_project.tasks.tests.probe_tasks"),
        env={"OUTBOX_RUN_LEASE_SECONDS": "3"},
    )
    with transaction.atomic():
        [task_id] = task_enqueue_on_commit(task=probe_sleep, kwargs_list=[{"seconds": 2}])
    worker.wait_for_output(rf"tests\.probe_sleep\[{task_id}\] received", timeout=30)
    # A second copy while the first sleeps: the other pool process takes it.
    probe_sleep.apply_async(kwargs={"seconds": 2}, task_id=task_id, headers={"outbox": "1"})

    worker.wait_for_output(rf"tests\.probe_sleep\[{task_id}\] is running elsewhere; this copy waits", timeout=30)
    worker.wait_for_output(rf"tests\.probe_sleep\[{task_id}\] already ran to the end", timeout=30)
    # The waiting copy can finish before the worker logs the first copy's result.
    worker.wait_for_output(rf"Task tests\.probe_sleep\[{task_id}\] succeeded in [0-9.]+s: 2", timeout=10)
    assert len(re.findall(rf"Task tests\.probe_sleep\[{task_id}\] succeeded in [0-9.]+s: 2", worker.output)) == 1


def test_the_relay_publishes_a_run_to_the_queue_its_enqueuer_chose(celery_worker, smtp_sink, monkeypatch):
    email = EmailFactory.create(bulk=True)
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {"max_retries": 0})
    with celery_app_on_broker(celery_app, dead_broker):
        email_send_all(emails=[email])
    assert OutboxRun.objects.get().queue == "bulk"

    # A worker of the bulk pool alone: the run reaches it only if the relay sends it to the bulk queue.
    celery_worker(
        extra=("--queues", "bulk"),
        env={
            "OUTBOX_RELAY_INTERVAL_SECONDS": "0.5",
            "OUTBOX_RELAY_AFTER_SECONDS": "0",
            "OUTBOX_MARK_BATCH_SECONDS": "0",
        },
    )

    wait_until(lambda: smtp_sink.count() == 1, timeout=30, what="the bulk email at the SMTP sink")
    # The worker marks it SENT in its own commit, just after the sink has the message.
    wait_until(
        lambda: Email.objects.get(id=email.id).status == Email.Status.SENT, timeout=10, what="the email marked SENT"
    )
    assert smtp_sink.count() == 1


def test_a_run_retried_through_the_same_delay_twice_arrives_both_times(celery_worker):
    # On RabbitMQ a 1 s delay waits in Celery's 1 s delay queue and a 3 s delay
    # in its 2 s one and then its 1 s one again. RabbitMQ marks a message with
    # the queues it was dead-lettered from: a retry that kept the first wait's
    # marks would be taken for a dead-letter cycle and stay in the delay queue.
    worker = celery_worker(extra=("--include", "styleguide_project.tasks.tests.probe_tasks"))
    with transaction.atomic():
        [task_id] = task_enqueue_on_commit(task=probe_retry_after, kwargs_list=[{"countdowns": [1, 3]}])

    worker.wait_for_output(rf"Task tests\.probe_retry_after\[{task_id}\] succeeded in [0-9.]+s: 2", timeout=30)
    assert len(re.findall(rf"Task tests\.probe_retry_after\[{task_id}\] received", worker.output)) == 3
