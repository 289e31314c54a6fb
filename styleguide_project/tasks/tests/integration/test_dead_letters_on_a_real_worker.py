"""A task that fails for good on a real worker leaves one dead letter; its replay, once the cause is fixed, runs."""

import time

import pytest
from celery.result import AsyncResult
from django.core.cache import cache

from styleguide_project.emails.tests.faults.conftest import FAULT_REPORTS
from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay
from styleguide_project.tasks.tests.probe_tasks import PROBE_FIXED_KEY, probe_fails_until_fixed

pytestmark = pytest.mark.integration


def letter_of(task_id: str, *, timeout: float = 30.0) -> DeadLetter:
    # The worker writes the letter just after it stores the FAILURE result.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        letter = DeadLetter.objects.filter(task_id=task_id).first()
        if letter is not None:
            return letter
        time.sleep(0.2)
    raise AssertionError(f"no dead letter for {task_id} within {timeout} s")


def test_retries_exhausted_on_a_worker_make_one_letter_and_its_replay_runs(celery_worker):
    celery_worker(
        extra=("--include", "styleguide_project.tasks.tests.probe_tasks"),
        env={"TASK_MAX_RETRIES": "2"},
    )

    failed = probe_fails_until_fixed.delay(value=11)
    failed.get(timeout=60, propagate=False)
    letter = letter_of(failed.id)

    assert failed.state == "FAILURE"
    assert DeadLetter.objects.count() == 1
    assert (letter.task_name, letter.kwargs, letter.attempts) == ("tests.probe_fails_until_fixed", {"value": 11}, 3)
    assert letter.exception_message == "still broken for 11"
    # Two retries, each after at least half the backoff (the other half is jitter): the first
    # failure's time came from the worker's note in the shared cache.
    assert (letter.last_failed_at - letter.first_failed_at).total_seconds() >= 1.0

    cache.set(PROBE_FIXED_KEY, True)
    replayed = dead_letter_replay(dead_letter=letter)

    assert AsyncResult(replayed.replayed_as).get(timeout=60) == 11
    letter.refresh_from_db()
    assert letter.replayed_as == replayed.replayed_as
    assert letter.replayed_at is not None
    assert DeadLetter.objects.count() == 1
    # Printed with the fault suite's counts at the end of the run.
    FAULT_REPORTS.append(
        "dead letters: a task that always fails, then fixed: "
        f"runs_failed=1 attempts={letter.attempts} letters={DeadLetter.objects.count()} "
        f"replayed=1 replay_done={int(AsyncResult(replayed.replayed_as).state == 'SUCCESS')} lost=0"
    )
