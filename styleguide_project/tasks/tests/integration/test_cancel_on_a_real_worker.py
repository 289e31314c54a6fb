"""Cancelling runs on a real worker: a cancelled run waiting in the broker never runs, and a running one stops at its
next checkpoint while its worker goes on (nothing is killed)."""

import re
import uuid

import pytest
import redis
from django.db import transaction

from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.cancelling import task_run_cancel
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit
from styleguide_project.tasks.tests.probe_tasks import probe_checkpoint, probe_record
from testing.processes import wait_until

# The cancel reads the database, not the broker: one broker is enough.
pytestmark = [pytest.mark.integration, pytest.mark.parametrize("broker_kind", ["redis"], indirect=True)]

PROBES = ("--include", "styleguide_project.tasks.tests.probe_tasks")


def entries(client: redis.Redis, key: str) -> list[str]:
    """The records of the probes in `key`, oldest first (the client decodes them)."""
    return [str(entry) for entry in client.lrange(key, 0, -1)]


def test_a_cancelled_run_waiting_in_the_broker_never_runs(celery_worker, redis_url):
    key = f"tests:cancel:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    kept, cancelled = str(uuid.uuid4()), str(uuid.uuid4())
    # Two runs in the broker before any worker is up: a plain publish and one through the outbox.
    probe_record.apply_async(kwargs={"redis_url": redis_url, "key": key}, task_id=kept)
    probe_record.apply_async(kwargs={"redis_url": redis_url, "key": key}, task_id=cancelled)
    with transaction.atomic():
        [cancelled_in_outbox] = task_enqueue_on_commit(
            task=probe_record, kwargs_list=[{"redis_url": redis_url, "key": key}]
        )
    task_run_cancel(task_id=cancelled)
    task_run_cancel(task_id=cancelled_in_outbox)

    worker = celery_worker(concurrency=1, extra=PROBES)

    wait_until(lambda: entries(client, key), timeout=30, what="the kept run's record")
    for task_id in (cancelled, cancelled_in_outbox):
        worker.wait_for_output(rf"tests\.probe_record\[{task_id}\] was cancelled; this copy does not run", timeout=30)
    assert entries(client, key) == [kept]
    assert OutboxRun.objects.get(task_id=cancelled_in_outbox).done_at is not None


def test_a_running_task_stops_at_its_next_checkpoint_and_its_worker_goes_on(celery_worker, redis_url):
    key = f"tests:cancel:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    worker = celery_worker(concurrency=1, extra=PROBES)
    task_id = str(uuid.uuid4())
    # 60 steps of 0.25 s: 15 s if nothing stopped it.
    probe_checkpoint.apply_async(
        kwargs={"steps": 60, "step_seconds": 0.25, "redis_url": redis_url, "key": key}, task_id=task_id
    )
    wait_until(lambda: entries(client, key), timeout=30, what="the run to start")

    task_run_cancel(task_id=task_id)

    stopped = wait_until(
        lambda: [entry for entry in entries(client, key) if entry.startswith("stopped at ")],
        timeout=10,
        what="the run to stop at a checkpoint",
    )
    [line] = stopped
    assert int(line.removeprefix("stopped at ")) < 60
    assert entries(client, key) == ["started", line]
    # It ended as a run ends (no process was killed), and the same worker takes the next run.
    worker.wait_for_output(rf"tests\.probe_checkpoint\[{task_id}\] succeeded in [0-9.]+s: {re.escape(line[11:])}")
    assert worker.alive()
    after = str(uuid.uuid4())
    probe_record.apply_async(kwargs={"redis_url": redis_url, "key": key}, task_id=after)
    wait_until(lambda: client.llen(key) == 3, timeout=30, what="the next run on the same worker")
