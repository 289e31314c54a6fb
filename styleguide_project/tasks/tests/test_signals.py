"""A dead letter after the final failure of every project task, from Celery's signals, in eager mode."""

import logging

import pytest
from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_retry
from django.utils import timezone

from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit
from styleguide_project.tasks.tests.probe_tasks import ProbeTransientError, probe_always_fails

pytestmark = pytest.mark.task_failure_expected


@pytest.mark.django_db
def test_retries_exhausted_make_one_letter_and_the_failure_handler_still_runs(probe):
    before = timezone.now()

    with pytest.raises(ProbeTransientError):
        probe_always_fails.delay(value=7)

    letter = DeadLetter.objects.get()
    # One run id through the retries.
    [task_id] = {task_id for task_id, _ in probe["runs"]}
    assert [retries for _, retries in probe["runs"]] == [0, 1, 2]
    assert probe["failures"] == [task_id]
    assert letter.task_name == "tests.probe_always_fails"
    assert letter.task_id == task_id
    assert letter.kwargs == {"value": 7}
    assert letter.exception_type == "styleguide_project.tasks.tests.probe_tasks.ProbeTransientError"
    assert letter.exception_message == "still broken for 7"
    assert letter.traceback.startswith("Traceback (most recent call last):")
    assert letter.traceback.rstrip().endswith("ProbeTransientError: still broken for 7")
    assert letter.attempts == 3
    # The first attempt failed before the last one did.
    assert before <= letter.first_failed_at < letter.last_failed_at <= timezone.now()
    assert letter.replayed_at is None
    assert letter.replayed_as == ""


@pytest.mark.django_db
def test_an_error_that_cannot_heal_is_a_letter_at_once(probe):
    with pytest.raises(ValueError, match="no good value: 3"):
        probe_always_fails.delay(value=3, error="bug")

    letter = DeadLetter.objects.get()
    assert len(probe["runs"]) == 1
    assert (letter.exception_type, letter.exception_message) == ("ValueError", "no good value: 3")
    assert letter.attempts == 1
    # No retry noted a first failure: the final one is the only time known.
    assert letter.first_failed_at == letter.last_failed_at


@pytest.mark.django_db
def test_a_soft_time_limit_is_a_letter(probe):
    with pytest.raises(SoftTimeLimitExceeded):
        probe_always_fails.delay(value=1, error="soft_time_limit")

    # Celery's SoftTimeLimitExceeded is billiard's, where the pool raises it.
    assert DeadLetter.objects.get().exception_type == "billiard.exceptions.SoftTimeLimitExceeded"


@pytest.mark.django_db
def test_a_retry_that_then_succeeds_leaves_no_letter(probe):
    def fix(**kwargs):
        probe["fixed"] = True

    # The cause is fixed as soon as the first attempt has failed.
    task_retry.connect(fix, weak=False)
    try:
        assert probe_always_fails.delay(value=5).get() == 5
    finally:
        task_retry.disconnect(fix)

    assert len(probe["runs"]) == 2
    assert DeadLetter.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_inside_an_enqueue_after_commit_is_a_letter(probe, django_capture_on_commit_callbacks):
    # The path every service uses; in eager mode the run happens after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_on_commit(task=probe_always_fails, kwargs_list=[{"value": 1}, {"value": 2}], task_ids=["a", "b"])

    assert sorted(DeadLetter.objects.values_list("task_id", "kwargs")) == [("a", {"value": 1}), ("b", {"value": 2})]


@pytest.mark.django_db
def test_a_letter_keeps_the_queue_its_enqueuer_chose(probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_on_commit(task=probe_always_fails, kwargs_list=[{"value": 1}], task_ids=["bulk-run"], queue="bulk")
        task_enqueue_on_commit(task=probe_always_fails, kwargs_list=[{"value": 2}], task_ids=["routed-run"])

    assert sorted(DeadLetter.objects.values_list("task_id", "queue")) == [("bulk-run", "bulk"), ("routed-run", "")]


@pytest.mark.django_db
def test_a_task_that_is_not_a_project_task_makes_no_letter():
    scratch = Celery("scratch", set_as_current=False)
    scratch.conf.task_always_eager = True

    @scratch.task(name="scratch.fails")
    def fails():
        raise ValueError("not ours")

    result = fails.apply()

    assert result.failed()
    assert DeadLetter.objects.count() == 0


@pytest.mark.django_db
def test_a_letter_that_cannot_be_written_is_logged_and_the_task_error_stands(probe, caplog, monkeypatch):
    # The database refuses the letter's write (the run itself got through).
    def refused(**kwargs):
        raise RuntimeError("the database refused the letter")

    monkeypatch.setattr("styleguide_project.tasks.outbox.services.dead_letters.dead_letter_record", refused)
    with caplog.at_level(logging.ERROR, logger="styleguide_project.tasks.outbox.signals"):
        with pytest.raises(ValueError, match="no good value: 9"):
            probe_always_fails.delay(value=9, error="bug")

    [record] = [r for r in caplog.records if r.name == "styleguide_project.tasks.outbox.signals"]
    assert record.getMessage().startswith("Could not record the dead letter of tests.probe_always_fails[")
    assert record.getMessage().endswith("(kwargs {'value': 9, 'error': 'bug'}): ValueError: no good value: 9")
    assert probe["failures"]  # the task's own failure handler ran all the same
