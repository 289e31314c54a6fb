"""Flower on the project's broker (`docker/start-flower`), read back through its HTTP API."""

import subprocess
import sys
import time

import pytest

from styleguide_project.emails.models import Email
from styleguide_project.tasks.app.celery import app as celery_app
from testing.http import http_json
from testing.processes import ROOT, ManagedProcess, free_port, wait_until
from testing.reports import report

pytestmark = pytest.mark.integration

CREDENTIALS = "ops:not-a-real-password"


@pytest.fixture
def flower(live_env):
    port = free_port()
    process = ManagedProcess(
        ["docker/start-flower"],
        env={**live_env, "FLOWER_BASIC_AUTH": CREDENTIALS, "FLOWER_PORT": str(port)},
        name="flower",
    ).start()
    try:
        process.wait_for_output(r"Visit me at http://127\.0\.0\.1:\d+", timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


def test_flower_shows_the_worker_and_a_finished_task(celery_worker, flower, staff_client):
    worker = celery_worker(name="flowered", concurrency=1)
    email = Email.objects.create(to="ada@example.com", subject="s", html="<p>h</p>", plain_text="h")

    # Flower's API is behind the basic auth, like its pages.
    assert http_json("GET", f"{flower}/api/workers")[0] == 401
    workers = wait_until(
        lambda: http_json("GET", f"{flower}/api/workers?refresh=1", basic_auth=CREDENTIALS)[1],
        timeout=30,
        what="the worker in Flower",
    )
    assert any(name.startswith("flowered-") for name in workers)

    response = staff_client.post("/api/emails/send/", {"ids": [email.id]}, format="json")
    assert response.status_code == 202

    def finished_task() -> dict | None:
        _, tasks = http_json("GET", f"{flower}/api/tasks?taskname=emails.email_send_batch", basic_auth=CREDENTIALS)
        return next((task for task in tasks.values() if task["state"] == "SUCCESS"), None)

    task = wait_until(finished_task, timeout=30, what="a finished emails.email_send_batch in Flower")
    assert task["worker"].startswith("flowered-")
    assert f"'email_ids': [{email.id}]" in task["kwargs"]
    assert "emails.email_send_batch" in worker.output


def test_the_container_health_check_accepts_flower(flower):
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "docker/healthcheck.py", f"{flower}/healthcheck"], cwd=ROOT, capture_output=True, timeout=30
    )

    assert result.returncode == 0, result.stderr


def test_flower_reads_the_queue_length_and_the_broker_page(live_celery, flower, broker_kind):
    # No worker runs: the messages stay in the default queue (maintenance) for Flower to count.
    for _ in range(3):
        celery_app.send_task("tasks.nobody_consumes_this", kwargs={})

    assert http_json("GET", f"{flower}/api/queues/length")[0] == 401
    status, body = http_json("GET", f"{flower}/api/queues/length", basic_auth=CREDENTIALS)
    assert status == 200, body
    if broker_kind == "rabbitmq":
        # Flower reads RabbitMQ's queue lengths from its management API
        # (FLOWER_BROKER_API, the rabbitmq_management plugin); without it
        # the list is empty (docs/scaling.md), the rest of Flower works.
        assert body == {"active_queues": []}
    else:
        assert body == {
            "active_queues": [
                {"name": "bulk", "messages": 0},
                {"name": "maintenance", "messages": 3},
                {"name": "transactional", "messages": 0},
            ]
        }

    status, page = http_json("GET", f"{flower}/broker", basic_auth=CREDENTIALS)
    assert status == 200, page
    assert "maintenance" in page if broker_kind == "redis" else "amqp://" in page


@pytest.mark.parametrize("broker_kind", ["redis"], indirect=True)
def test_flower_counts_the_queues_of_workers_started_after_it(celery_worker, live_env, broker_kind):
    # Flower lists the queues its workers consume. By itself it asks the workers only when it starts
    # and when its worker list is refreshed by hand; config/flower.py makes it ask every few seconds.
    celery_worker(name="early", extra=("-Q", "transactional"))
    port = free_port()
    process = ManagedProcess(
        ["docker/start-flower"],
        env={**live_env, "FLOWER_BASIC_AUTH": CREDENTIALS, "FLOWER_PORT": str(port)},
        name="flower",
    ).start()
    try:
        process.wait_for_output(r"Visit me at http://127\.0\.0\.1:\d+", timeout=60)
        flower = f"http://127.0.0.1:{port}"

        def queue_names() -> list[str]:
            _, body = http_json("GET", f"{flower}/api/queues/length", basic_auth=CREDENTIALS)
            return sorted(queue["name"] for queue in body["active_queues"])

        wait_until(lambda: queue_names() == ["transactional"], timeout=30, what="the early worker's queue")
        # when: the two other pools start after Flower, and nobody refreshes its worker list
        celery_worker(name="late-bulk", extra=("-Q", "bulk"))
        celery_worker(name="late-maintenance", extra=("-Q", "maintenance"))
        started = time.monotonic()

        # then: every worker's queue is counted within Flower's own refresh
        wait_until(
            lambda: queue_names() == ["bulk", "maintenance", "transactional"],
            timeout=45,
            what="the late workers' queues in Flower",
        )
        report("Flower", f"queues of workers started after Flower counted {time.monotonic() - started:.1f}s later")
    finally:
        process.stop()
