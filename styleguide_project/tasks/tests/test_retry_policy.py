"""ProjectTask's one retry policy, and the Django hooks it inherits from Celery's DjangoTask."""

import pytest
from celery import shared_task
from django.db import OperationalError, transaction

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.retry import DATABASE_ERRORS, task_retry_countdown
from styleguide_project.tasks.tests.probe_tasks import probe_always_fails

pytestmark = pytest.mark.django_db

# What the probe task below met: attempts recorded, runs.
seen: dict[str, list] = {"attempts": [], "runs": []}


def _probe_flaky_attempt_failed(self, *, exc, kwargs, retry_in_seconds):
    seen["attempts"].append((type(exc).__name__, kwargs["fail_times"], retry_in_seconds))


@shared_task(
    bind=True,
    base=ProjectTask,
    name="tests.probe_flaky",
    autoretry_for=DATABASE_ERRORS,
    on_attempt_failed=_probe_flaky_attempt_failed,
    needs_failure_handler=False,
)
def probe_flaky(self, *, fail_times: int) -> int:
    seen["runs"].append(self.request.retries)
    if self.request.retries < fail_times:
        raise OperationalError("the database went away")
    return self.request.retries


@pytest.fixture(autouse=True)
def _clear_seen():
    seen["attempts"].clear()
    seen["runs"].clear()


@pytest.mark.parametrize("retries", [0, 1, 2, 5, 12])
def test_the_countdown_doubles_is_capped_and_keeps_half_of_it_fixed(settings, retries):
    settings.TASK_RETRY_BACKOFF_SECONDS = 5
    settings.TASK_RETRY_BACKOFF_MAX_SECONDS = 60
    delay = min(60, 5 * 2**retries)

    values = [task_retry_countdown(retries=retries) for _ in range(200)]

    assert all(delay / 2 <= value <= delay for value in values)
    # Jitter: the values spread over the random half, not one value.
    assert max(values) - min(values) > delay / 4


def test_a_transient_error_is_retried_and_each_failed_attempt_recorded(settings, retry_countdowns):
    settings.TASK_RETRY_BACKOFF_SECONDS = 1
    settings.TASK_MAX_RETRIES = 5

    result = probe_flaky.delay(fail_times=2)

    assert result.get() == 2
    assert seen["runs"] == [0, 1, 2]
    assert [(name, fail_times) for name, fail_times, _ in seen["attempts"]] == [("OperationalError", 2)] * 2
    # The handler is told the countdown the retry was scheduled with.
    assert [when for _, _, when in seen["attempts"]] == retry_countdowns


@pytest.mark.task_failure_expected
def test_retries_stop_at_task_max_retries_and_the_last_error_is_raised(settings, retry_countdowns):
    settings.TASK_MAX_RETRIES = 2

    with pytest.raises(OperationalError, match="went away"):
        probe_flaky.delay(fail_times=10)

    assert seen["runs"] == [0, 1, 2]
    # The final failure is the failure handler's to record, not an attempt.
    assert len(seen["attempts"]) == len(retry_countdowns) == 2


def test_a_plain_call_does_not_retry():
    with pytest.raises(OperationalError):
        probe_flaky(fail_times=1)

    assert seen["attempts"] == []


def test_delay_on_commit_publishes_after_the_commit_only(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            probe_flaky.delay_on_commit(fail_times=0)
            assert seen["runs"] == []
    assert seen["runs"] == [0]


def test_delay_on_commit_publishes_nothing_on_rollback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                probe_flaky.apply_async_on_commit(kwargs={"fail_times": 0})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert (callbacks, seen["runs"]) == ([], [])


@pytest.mark.parametrize(
    ("routing_key", "queue"),
    [
        ("bulk", "bulk"),
        # RabbitMQ's delayed delivery: a retried run arrives with its delay's bits in front.
        ("0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.1.transactional", "transactional"),
        ("celery", None),
        ("", None),
    ],
)
def test_a_retry_goes_back_to_the_queue_its_run_came_from(routing_key, queue):
    probe_always_fails.push_request(
        id="a-run", args=(), kwargs={}, delivery_info={"exchange": "tasks", "routing_key": routing_key}
    )
    try:
        # What Celery's `retry()` publishes: the signature built from the delivered request.
        retry = probe_always_fails.signature_from_request()
    finally:
        probe_always_fails.pop_request()

    assert retry.options.get("queue") == queue
