"""The outbox relay and the once-only guard, in eager mode (the relay's publish runs the task here)."""

import json
import threading
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.utils import timezone

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.runs import (
    Claim,
    outbox_run_claim,
    outbox_run_delete_finished,
    outbox_run_done,
    outbox_run_release,
    task_outbox_relay,
)
from styleguide_project.tasks.tests.probe_tasks import COUNTS
from testing.brokers import celery_app_on_broker
from testing.concurrency import run_at_once
from testing.services import service_missing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    COUNTS.clear()


def stranded(name: str, *, age: float = 60, **fields) -> OutboxRun:
    """An outbox run of tests.probe_count created `age` seconds ago and never published."""
    COUNTS.pop(name, None)
    return OutboxRun.objects.create(
        task_id=f"run-{name}",
        task_name="tests.probe_count",
        kwargs={"into": name},
        created_at=timezone.now() - timedelta(seconds=age),
        **fields,
    )


def test_publishes_what_the_fast_path_left_and_marks_it(settings):
    settings.OUTBOX_RELAY_AFTER_SECONDS = 10
    old = stranded("old", age=60)
    fresh = stranded("fresh", age=1)

    result = task_outbox_relay(app=celery_app)

    assert (result.published, result.unknown, result.broker_failed) == (1, 0, False)
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.published_at is not None, old.done_at is not None) == (True, True)
    assert COUNTS == {"old": 1}
    # Young runs are the fast path's: the relay leaves them alone.
    assert fresh.published_at is None


def test_publishes_again_a_run_whose_worker_died(settings):
    settings.OUTBOX_RUN_LEASE_SECONDS = 30
    now = timezone.now()
    died = stranded("died", published_at=now, started_at=now - timedelta(seconds=60))
    running = stranded("running", published_at=now, started_at=now - timedelta(seconds=5))
    done = stranded("done", published_at=now, started_at=None, done_at=now)

    result = task_outbox_relay(app=celery_app)

    assert result.published == 1
    assert COUNTS == {"died": 1}
    for run in (died, running, done):
        run.refresh_from_db()
    assert died.done_at is not None
    assert (running.started_at is not None, running.done_at) == (True, None)


def test_a_run_of_a_task_not_registered_here_stays_in_the_outbox():
    run = OutboxRun.objects.create(
        task_id="gone", task_name="emails.no_such_task", kwargs={}, created_at=timezone.now() - timedelta(minutes=5)
    )

    result = task_outbox_relay(app=celery_app)

    assert (result.published, result.unknown) == (0, 1)
    run.refresh_from_db()
    assert run.published_at is None


def test_a_pass_is_bounded():
    for n in range(10):
        stranded(f"bounded-{n}")

    result = task_outbox_relay(app=celery_app, max_batches=2, batch_size=3)

    assert result.published == 6
    assert OutboxRun.objects.filter(published_at__isnull=True).count() == 4
    # The next passes drain the rest.
    assert task_outbox_relay(app=celery_app, max_batches=2, batch_size=3).published == 4


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_publish_each_run_once(broker_url):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: SKIP LOCKED is what splits the rows between two relays")
    names = [f"race-{n}" for n in range(60)]
    for name in names:
        stranded(name)
    published: list[int] = []

    def relay(start: threading.Barrier) -> None:
        start.wait()
        published.append(task_outbox_relay(app=celery_app, batch_size=5).published)

    # A real broker: the relays publish, nothing runs (eager runs in two
    # threads at once would share Celery's process-wide state).
    with celery_app_on_broker(celery_app, broker_url):
        run_at_once(relay)
        queue = celery_app.amqp.router.route({}, "tests.probe_count")["queue"].name
        messages = [json.loads(raw) for raw in redis.Redis.from_url(broker_url).lrange(queue, 0, -1)]

    assert sum(published) == 60
    task_ids = [message["headers"]["id"] for message in messages]
    assert sorted(task_ids) == sorted(f"run-{name}" for name in names)


def test_the_claim_tells_run_done_busy_and_untracked(settings):
    settings.OUTBOX_RUN_LEASE_SECONDS = 30
    run = stranded("claims", published_at=timezone.now())

    assert outbox_run_claim(task_id=run.task_id).claim is Claim.RUN
    busy = outbox_run_claim(task_id=run.task_id)
    assert busy.claim is Claim.BUSY
    assert 1 <= busy.wait_seconds <= 30
    outbox_run_release(task_id=run.task_id)
    assert outbox_run_claim(task_id=run.task_id).claim is Claim.RUN
    outbox_run_done(task_id=run.task_id)
    assert outbox_run_claim(task_id=run.task_id).claim is Claim.DONE
    assert outbox_run_claim(task_id="never-written").claim is Claim.UNTRACKED


def test_a_lapsed_lease_can_be_taken_over(settings):
    settings.OUTBOX_RUN_LEASE_SECONDS = 30
    run = stranded("lapsed", published_at=timezone.now(), started_at=timezone.now() - timedelta(seconds=31))

    assert outbox_run_claim(task_id=run.task_id).claim is Claim.RUN


def test_finished_runs_are_deleted_after_the_retention():
    now = timezone.now()
    old_done = stranded("old-done", published_at=now, done_at=now - timedelta(days=8))
    recent_done = stranded("recent-done", published_at=now, done_at=now - timedelta(days=1))
    old_failed = stranded("old-failed", published_at=now - timedelta(days=8))
    unpublished = stranded("unpublished", age=10 * 86400)

    assert outbox_run_delete_finished(older_than=timedelta(days=7)) == 2

    assert set(OutboxRun.objects.values_list("task_id", flat=True)) == {recent_done.task_id, unpublished.task_id}
    assert not OutboxRun.objects.filter(task_id__in=[old_done.task_id, old_failed.task_id]).exists()
