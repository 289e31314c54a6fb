"""The relay and the runs workers hold (a lease kept while running, a lapsed one taken over); a refused batch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.runs import Claim, outbox_run_claim, task_outbox_relay
from styleguide_project.tasks.tests.probe_tasks import probe_count
from testing.brokers import celery_app_on_broker
from testing.processes import free_port

pytestmark = pytest.mark.django_db


def stranded_run(*, task_id: str, age_seconds: float) -> OutboxRun:
    return OutboxRun.objects.create(
        task_id=task_id,
        task_name=probe_count.name,
        kwargs={"into": task_id},
        created_at=timezone.now() - timedelta(seconds=age_seconds),
    )


def test_a_copy_the_relay_publishes_while_the_run_is_running_waits_for_it(settings):
    # The fast path published the run and died before marking it; a worker runs it now.
    settings.OUTBOX_RELAY_AFTER_SECONDS = 10
    stranded_run(task_id="running", age_seconds=30)
    assert outbox_run_claim(task_id="running").claim is Claim.RUN

    with celery_app_on_broker(celery_app, "memory://"):
        relayed = task_outbox_relay(app=celery_app)

    assert relayed.published == 1
    # The copy the relay sent must not run alongside the first one.
    assert outbox_run_claim(task_id="running").claim is Claim.BUSY


def test_the_relay_publishes_a_run_whose_worker_died_and_the_copy_runs_it(settings):
    settings.OUTBOX_RUN_LEASE_SECONDS = 60
    run = stranded_run(task_id="lapsed", age_seconds=300)
    OutboxRun.objects.filter(task_id=run.task_id).update(
        published_at=timezone.now() - timedelta(seconds=300), started_at=timezone.now() - timedelta(seconds=120)
    )

    with celery_app_on_broker(celery_app, "memory://"):
        relayed = task_outbox_relay(app=celery_app)

    assert relayed.published == 1
    run.refresh_from_db()
    assert run.started_at is None
    assert outbox_run_claim(task_id="lapsed").claim is Claim.RUN
    # Published once more, not again at every pass.
    with celery_app_on_broker(celery_app, "memory://"):
        assert task_outbox_relay(app=celery_app).published == 0


def test_a_batch_the_broker_refused_is_left_whole_for_the_next_pass(settings, monkeypatch):
    settings.OUTBOX_RELAY_AFTER_SECONDS = 10
    for index in range(3):
        stranded_run(task_id=f"refused-{index}", age_seconds=30)
    # Nothing listens on this port: the batch's publish fails to connect, at once.
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {"max_retries": 0})

    with celery_app_on_broker(celery_app, f"redis://127.0.0.1:{free_port()}/0"):
        relayed = task_outbox_relay(app=celery_app)

    assert (relayed.published, relayed.broker_failed) == (0, True)
    assert OutboxRun.objects.filter(published_at__isnull=True).count() == 3
