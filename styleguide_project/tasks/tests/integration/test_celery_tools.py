"""Celery's own tools with the project's app: `celery call/purge/inspect`, and a clean start on a fresh vhost."""

import re
import subprocess

import pytest
import redis

from testing.brokers import RabbitVhost
from testing.processes import ROOT, ManagedProcess, celery_command, process_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def celery(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command line
        celery_command(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


# The queue's length is read from Redis; the tools themselves are the same on RabbitMQ.
@pytest.mark.parametrize("broker_kind", ["redis"], indirect=True)
def test_celery_call_purge_and_inspect_work_with_the_projects_app(live_env, broker_url, celery_worker):
    broker = redis.Redis.from_url(broker_url)

    # when: a task is sent from the command line, with no worker running
    sent = celery("call", "tasks.task_result_delete_expired", env=live_env)

    # then: it waits on its queue (the route of the settings), and purge removes it
    assert sent.returncode == 0, sent.stderr
    assert re.fullmatch(r"[0-9a-f-]{36}", sent.stdout.strip()), sent.stdout
    assert broker.llen("maintenance") == 1
    purged = celery("purge", "--force", env=live_env)
    assert purged.returncode == 0, purged.stderr
    assert "Purged 1 message" in purged.stdout
    assert broker.llen("maintenance") == 0

    # and: a worker answers inspect, and runs what call sends
    worker = celery_worker(name="tools", extra=("-Q", "maintenance"))
    pinged = celery("inspect", "ping", "--destination", worker.hostname, "--timeout", "10", env=live_env)
    assert pinged.returncode == 0, pinged.stderr
    assert "pong" in pinged.stdout
    task_id = celery("call", "tasks.task_result_delete_expired", env=live_env).stdout.strip()
    worker.wait_for_output(rf"tasks\.task_result_delete_expired\[{task_id}\] succeeded", timeout=60)


def test_the_three_pools_start_on_a_fresh_rabbitmq_vhost_without_an_error(live_db_url, smtp_sink, redis_url):
    # given: a virtual host nobody has used: no exchange, no queue yet
    vhost = RabbitVhost(prefix="styleguide_test_fresh").create()
    workers: list[ManagedProcess] = []
    # Each worker's log up to "ready.": its start-up (stopping it is not the subject).
    start_logs: dict[str, str] = {}
    try:
        env = process_env(
            DATABASE_URL=live_db_url,
            CELERY_BROKER_URL=vhost.url(),
            REDIS_URL=redis_url,
            EMAIL_URL=smtp_sink.url,
            TASK_RETRY_BACKOFF_SECONDS="2",
        )
        # when: the three pools start at once, as a deploy starts them
        for pool in ("transactional", "bulk", "maintenance"):
            workers.append(
                ManagedProcess(
                    ["docker/start-worker", pool, "--hostname", f"{pool}-fresh@localhost"], env=env, name=pool
                ).start()
            )
        for worker in workers:
            worker.wait_for_output(r"ready\.", timeout=120)
            start_logs[worker.name] = worker.output
    finally:
        for worker in workers:
            worker.stop()
        vhost.delete()

    # then: no worker logged an error or a warning of its start-up
    assert len(start_logs) == 3
    for name, log in start_logs.items():
        problems = [line for line in log.splitlines() if re.search(r" (ERROR|WARNING|CRITICAL) ", line)]
        assert problems == [], f"{name}:\n" + "\n".join(problems)
