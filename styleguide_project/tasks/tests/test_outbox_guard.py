"""How the outbox's done-once guard records the end of a run's body: done, released until its retry is due, or done
for good after a final failure."""

from datetime import timedelta
from typing import Any, cast

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from styleguide_project.tasks.outbox.guard import outbox_run_guard
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.enqueue import OUTBOX_HEADER
from styleguide_project.tasks.tests.probe_tasks import probe_echo

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded_run():
    """A published outbox run of probe_echo, with the request a worker would push for its copy."""
    run = OutboxRun.objects.create(
        task_id="guarded", task_name=probe_echo.name, kwargs={"value": 1}, published_at=timezone.now()
    )
    probe_echo.push_request(id=run.task_id, args=(), kwargs=run.kwargs, headers={OUTBOX_HEADER: "1"})
    yield run
    probe_echo.pop_request()


def test_a_body_that_returns_marks_its_run_done(guarded_run):
    assert outbox_run_guard.around(probe_echo, lambda: "ran") == "ran"

    guarded_run.refresh_from_db()
    assert (guarded_run.done_at is not None, guarded_run.started_at) == (True, None)


def test_a_retry_releases_its_run_until_the_retry_is_due(guarded_run):
    def retries():
        # A countdown in seconds, as Celery's retry() raises it (the stubs type `when` as numbers.Real).
        raise Retry(when=cast(Any, 60))

    with pytest.raises(Retry):
        outbox_run_guard.around(probe_echo, retries)

    guarded_run.refresh_from_db()
    assert (guarded_run.done_at, guarded_run.started_at) == (None, None)
    # Due when the countdown ends: the relay does not count it lost before then.
    assert guarded_run.published_at > timezone.now() + timedelta(seconds=55)


def test_a_final_failure_ends_its_run(guarded_run):
    def fails():
        raise ValueError("for good")

    with pytest.raises(ValueError, match="for good"):
        outbox_run_guard.around(probe_echo, fails)

    guarded_run.refresh_from_db()
    assert guarded_run.done_at is not None


def test_a_copy_of_a_done_run_does_not_run_the_body(guarded_run):
    OutboxRun.objects.filter(task_id=guarded_run.task_id).update(done_at=timezone.now())
    bodies = []

    assert outbox_run_guard.around(probe_echo, lambda: bodies.append(1)) is None
    assert bodies == []
