"""Cancelling a run by id, in eager mode: a run not started never starts, wherever its message waits; a running
one stops at its next checkpoint."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import CancelledRun, DeadLetter, OutboxRun
from styleguide_project.tasks.outbox.selectors import task_run_cancelled
from styleguide_project.tasks.outbox.services.cancelling import task_run_cancel
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay, dead_letter_replay_all
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit
from styleguide_project.tasks.outbox.services.runs import task_outbox_relay
from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.tasks.tests.probe_tasks import (
    CHECKPOINTS,
    COUNTS,
    probe_always_fails,
    probe_cancelled_in_countdown,
    probe_checkpoint,
    probe_count,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_probes():
    COUNTS.clear()
    CHECKPOINTS.clear()


def test_a_run_in_the_outbox_cancelled_before_its_commit_never_runs(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            [_kept, cancelled] = task_enqueue_on_commit(
                task=probe_count, kwargs_list=[{"into": "kept"}, {"into": "cancelled"}]
            )
            assert task_run_cancel(task_id=cancelled) == [cancelled]

    # The fast path published both after the commit; the guard skipped the cancelled one's body.
    assert COUNTS == {"kept": 1}
    assert OutboxRun.objects.get(task_id=cancelled).done_at is not None


def test_the_relay_never_publishes_a_cancelled_run():
    created = timezone.now() - timedelta(minutes=5)
    for name in ("kept", "cancelled"):
        OutboxRun.objects.create(
            task_id=f"run-{name}", task_name=probe_count.name, kwargs={"into": name}, created_at=created
        )
    task_run_cancel(task_id="run-cancelled")

    relayed = task_outbox_relay(app=celery_app)

    assert relayed.published == 1
    assert COUNTS == {"kept": 1}
    assert OutboxRun.objects.get(task_id="run-cancelled").published_at is None


def test_a_message_of_a_cancelled_run_does_nothing_when_it_arrives():
    # Any copy in the broker: a plain publish, a redelivery, a relay's copy.
    task_run_cancel(task_id="in-the-broker")

    result = probe_count.apply_async(kwargs={"into": "broker"}, task_id="in-the-broker")

    assert (result.successful(), result.result) == (True, None)
    assert COUNTS == {}


def test_a_run_cancelled_during_its_retrys_countdown_does_not_run_again():
    # The first attempt is cancelled, then retries: the retry's message has the same id.
    result = probe_cancelled_in_countdown.apply_async(kwargs={"into": "retried"}, task_id="waits-for-retry")

    assert result.successful()
    assert COUNTS == {"retried": 1}


def test_a_running_task_stops_at_its_next_checkpoint():
    result = probe_checkpoint.apply_async(kwargs={"steps": 5, "cancel_at_step": 2}, task_id="long-run")

    assert result.result == 2
    assert CHECKPOINTS["long-run"] == ["started", "stopped at 2"]


def test_is_cancelled_is_false_in_a_plain_function_call():
    task_run_cancel(task_id="None")

    # Called directly the task is no run: it never sees a cancellation, and runs to the end.
    assert probe_checkpoint(steps=2) == 2
    assert probe_checkpoint.is_cancelled() is False


def test_cancelling_twice_is_harmless():
    assert task_run_cancel(task_id="twice") == ["twice"]
    first = CancelledRun.objects.get().cancelled_at

    assert task_run_cancel(task_id="twice") == []
    assert [(run.task_id, run.cancelled_at) for run in CancelledRun.objects.all()] == [("twice", first)]
    assert task_run_cancelled(task_id="twice") is True
    assert task_run_cancelled(task_id="other") is False


def test_the_dead_letter_of_a_cancelled_run_is_not_replayed(probe, django_capture_on_commit_callbacks):
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name, kwargs={"value": 1})
    other = DeadLetterFactory.create(task_name=probe_always_fails.name, kwargs={"value": 2})
    task_run_cancel(task_id=letter.task_id)
    probe["fixed"] = True

    with pytest.raises(ApplicationError, match="which was cancelled; it cannot be replayed") as refused:
        dead_letter_replay(dead_letter=letter)
    assert refused.value.extra["task_id"] == letter.task_id
    # Replaying all the task's letters leaves it out, and replays the others.
    with django_capture_on_commit_callbacks(execute=True):
        replayed = dead_letter_replay_all(task_name=probe_always_fails.name)

    assert [each.id for each in replayed] == [other.id]
    assert [kwargs for kwargs, _ in probe["replays"]] == [{"value": 2}]
    letter.refresh_from_db()
    assert letter.replayed_at is None


def test_a_replay_enqueued_before_its_original_was_cancelled_does_not_run(probe, django_capture_on_commit_callbacks):
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name, kwargs={"value": 3})
    probe["fixed"] = True

    with django_capture_on_commit_callbacks(execute=False) as published:
        replayed = dead_letter_replay(dead_letter=letter)
    # The replay's run waits (in the outbox, in the broker) when the original is cancelled.
    cancelled = task_run_cancel(task_id=letter.task_id)
    for callback in published:
        callback()

    assert cancelled == [letter.task_id, replayed.replayed_as]
    assert probe["runs"] == []
    assert DeadLetter.objects.count() == 1
