"""Progress written by a real worker is visible to another connection while the task runs.

The test process polls through its own database connection, as the progress
page does, while a `celery worker` on Redis and PostgreSQL runs the task. A
task that records progress inside its own transaction is the control: there
nothing in between shows until the commit (czue/celery-progress#55), which
is why the campaign records its progress between its chunks' transactions.
"""

from typing import Any

import pytest
from django.utils import timezone

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.task_progress.selectors import task_progress_get
from styleguide_project.task_progress.services import task_enqueue_for_user
from styleguide_project.task_progress.tests import probe_tasks
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.processes import wait_until

pytestmark = pytest.mark.integration

PROBES = ("--include", "styleguide_project.task_progress.tests.probe_tasks")


def observe(read, *, timeout: float) -> list[tuple[str, Any, Any]]:
    """Every distinct (state, current, total) that `read()` returns until the run completes."""
    seen: list[tuple[str, Any, Any]] = []

    def complete() -> bool:
        state, current, total, done = read()
        if not seen or seen[-1] != (state, current, total):
            seen.append((state, current, total))
        return done

    wait_until(complete, timeout=timeout, interval=0.1, what="the run to complete")
    return seen


def intermediate(seen: list[tuple[str, Any, Any]]) -> list[tuple[str, Any, Any]]:
    return [value for value in seen if value[0] == "PROGRESS" and 0 < value[1] < value[2]]


def test_a_campaigns_progress_shows_chunk_by_chunk_through_the_api(celery_worker, smtp_sink, staff_client):
    BaseUserFactory.create_batch(4, onboarded_at=timezone.now())
    celery_worker(env={"EMAIL_CAMPAIGN_CHUNK_SIZE": "1", "EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS": "0.8"})

    response = staff_client.post("/api/emails/campaigns/", {"subject": "News", "plain_text": "Hi"}, format="json")
    assert response.status_code == 202
    status_url = response.json()["status_url"]

    def read():
        body = staff_client.get(status_url).json()
        return body["state"], body["progress"]["current"], body["progress"]["total"], body["complete"]

    seen = observe(read, timeout=60)

    # The end shows the run's own last count.
    assert seen[-1] == ("SUCCESS", 4, 4)
    # At least two values strictly between the start and the end were visible while it ran.
    assert len(intermediate(seen)) >= 2, seen
    assert {value[1:] for value in intermediate(seen)} <= {(1, 4), (2, 4), (3, 4)}
    wait_until(lambda: smtp_sink.count() == 4, timeout=30, what="the 4 campaign emails at the SMTP sink")


@pytest.mark.parametrize(
    ("task", "kwargs", "visible_between"),
    [
        (probe_tasks.progress_steps, {"steps": 4, "pause": 0.8}, True),
        # A task reporting a percent with update_state(state="PROGRESS", meta={"process_percent": n}).
        (probe_tasks.progress_percent, {"percents": [25, 50, 75], "pause": 0.8}, True),
        (probe_tasks.progress_in_one_transaction, {"steps": 4, "pause": 0.8}, False),
    ],
    ids=["recorder between transactions", "update_state between transactions", "inside one transaction"],
)
def test_progress_inside_the_tasks_transaction_stays_invisible_until_it_commits(
    celery_worker, user, task, kwargs, visible_between
):
    worker = celery_worker(extra=PROBES)

    task_id = task_enqueue_for_user(task=task, kwargs=kwargs, user=user)
    ownership = TaskOwnership.objects.get(task_id=task_id)

    def read():
        progress = task_progress_get(ownership=ownership)
        return progress.state, progress.current, progress.total, progress.complete

    seen = observe(read, timeout=60)

    assert seen[-1][0] == "SUCCESS"
    if visible_between:
        assert len(intermediate(seen)) >= 2, seen
    else:
        assert intermediate(seen) == [], seen
        assert "tests.progress_in_one_transaction records progress inside a transaction" in worker.output
