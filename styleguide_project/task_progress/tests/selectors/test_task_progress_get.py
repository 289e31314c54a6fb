"""Every way a run can be reported, read back in one shape (the eager result backend is the real django-db one)."""

import datetime

import pytest
from celery import states
from celery.app.task import Context
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.task_progress.selectors import EXPIRED_STATE, task_progress_get
from styleguide_project.task_progress.tests import probe_tasks
from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory
from styleguide_project.tasks.app.celery import app as celery_app

pytestmark = pytest.mark.django_db


def store(ownership, state, meta, **kwargs):
    celery_app.backend.store_result(ownership.task_id, meta, state, **kwargs)


def test_a_queued_run_that_no_worker_picked_up_is_pending():
    ownership = TaskOwnershipFactory.create()

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success, progress.pending) == ("PENDING", False, None, True)
    # celery-progress says 0 of 100 here; no total is known before the run reports one.
    assert (progress.current, progress.total, progress.percent) == (0, None, 0)
    assert progress.bar_info["progress"]["pending"] is True


def test_a_started_run_is_not_pending():
    ownership = TaskOwnershipFactory.create()
    store(ownership, states.STARTED, {"pid": 1})

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.pending) == ("STARTED", False, False)


def test_progress_recorder_meta_is_read_as_it_is():
    ownership = TaskOwnershipFactory.create()
    meta = {"pending": False, "current": 2, "total": 6, "percent": 33.33, "description": "Queued 2 of 6 emails"}
    store(ownership, "PROGRESS", meta)

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success) == ("PROGRESS", False, None)
    assert (progress.current, progress.total, progress.percent) == (2, 6, 33.33)
    assert progress.description == "Queued 2 of 6 emails"
    assert progress.bar_info == {
        "state": "PROGRESS",
        "complete": False,
        "success": None,
        "progress": {
            "pending": False,
            "current": 2,
            "total": 6,
            "percent": 33.33,
            "description": "Queued 2 of 6 emails",
        },
    }


def test_a_process_percent_from_update_state_shows_on_the_same_bar():
    ownership = TaskOwnershipFactory.create()
    store(ownership, "PROGRESS", {"process_percent": 40})

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete) == ("PROGRESS", False)
    assert (progress.current, progress.total, progress.percent, progress.description) == (40, 100, 40.0, "")
    assert progress.bar_info["progress"]["percent"] == 40.0


def test_a_percent_is_computed_when_the_task_gave_none():
    ownership = TaskOwnershipFactory.create()
    store(ownership, "PROGRESS", {"current": 1, "total": 4})

    assert task_progress_get(ownership=ownership).percent == 25.0


def test_a_custom_state_means_the_task_is_still_running():
    # celery-progress itself would call this a failure ("Unknown state").
    ownership = TaskOwnershipFactory.create()
    store(ownership, "CRUNCHING", {"current": 3, "total": 10, "description": "Crunching"})

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success) == ("CRUNCHING", False, None)
    assert (progress.current, progress.percent, progress.description) == (3, 30.0, "Crunching")


@pytest.mark.parametrize(
    "meta",
    [
        "a string",
        ["a", "list"],
        None,
        {"current": "2", "total": "x", "percent": "NaN"},
        {"current": float("nan"), "total": float("inf"), "percent": -5},
        {"current": True, "total": 0},
        {"percent": 250, "description": "d" * 10_000},
    ],
)
def test_garbage_meta_reads_as_a_bar_within_bounds(meta):
    ownership = TaskOwnershipFactory.create()
    store(ownership, "PROGRESS", meta)

    progress = task_progress_get(ownership=ownership)

    assert progress.complete is False
    assert 0 <= progress.percent <= 100
    assert len(progress.description) <= 500


def test_a_success_gives_its_result_and_redirect(queue_for, user):
    ownership = queue_for(user, steps=3, redirect="/emails/campaigns/7/")

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success) == ("SUCCESS", True, True)
    assert progress.percent == 100
    assert progress.result == {"redirect": "/emails/campaigns/7/"}
    assert progress.redirect == "/emails/campaigns/7/"
    assert progress.bar_info["result"] == {"redirect": "/emails/campaigns/7/"}


@pytest.mark.parametrize(
    "redirect",
    [
        "https://evil.example/",
        "//evil.example/path",
        "javascript:alert(1)",
        " javascript:alert(1)",
        "/\\evil.example",
        "relative/path",
        42,
        # Browsers drop tabs and newlines and trim other control characters:
        # each of these can read as //evil.example, another host.
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\x00/evil.example",
        "/\x01/evil.example",
        "/\x1f/evil.example",
        "/\x7f/evil.example",
        "/ /evil.example",
        "/\u00a0/evil.example",
        "/\u2028/evil.example",
        "/\u200b/evil.example",
        "/\ufeff/evil.example",
        # A backslash anywhere is a slash to a browser.
        "/path\\..\\\\evil.example",
        "\\\\evil.example",
    ],
)
def test_a_redirect_off_this_site_is_dropped(redirect):
    ownership = TaskOwnershipFactory.create()
    store(ownership, states.SUCCESS, {"redirect": redirect, "count": 3})

    progress = task_progress_get(ownership=ownership)

    assert progress.success is True
    assert progress.redirect == ""
    assert progress.result == {"count": 3}
    assert progress.bar_info["result"] == {"count": 3}


@pytest.mark.parametrize(
    "redirect", ["/emails/campaigns/7/", "/emails/?status=FAILED&to=a%40b.example#top", "/caf\u00e9/", "/a:b/"]
)
def test_a_path_on_this_site_is_kept(redirect):
    ownership = TaskOwnershipFactory.create()
    store(ownership, states.SUCCESS, {"redirect": redirect})

    assert task_progress_get(ownership=ownership).redirect == redirect


@pytest.mark.task_failure_expected
def test_a_failure_gives_its_message_and_no_traceback(queue_for, user):
    ownership = queue_for(user, steps=2, fail_with="The export ran out of disk space.")

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success) == ("FAILURE", True, False)
    assert progress.error == "The export ran out of disk space."
    assert progress.result is None
    assert progress.bar_info["result"] == "The export ran out of disk space."
    assert "Traceback" not in str(progress.bar_info)


def test_a_failure_without_a_message_still_says_it_failed():
    ownership = TaskOwnershipFactory.create()
    celery_app.backend.mark_as_failure(ownership.task_id, RuntimeError())

    assert task_progress_get(ownership=ownership).error == "The task failed."


def test_a_retry_has_not_ended():
    ownership = TaskOwnershipFactory.create()
    # As a worker stores it: with the request (without one, the extended result drops the traceback).
    request = Context(id=ownership.task_id, task=ownership.task_name, args=[], kwargs={})
    celery_app.backend.mark_as_retry(
        ownership.task_id, ApplicationError("SMTP said later"), traceback="Traceback...\nRetry in 5s", request=request
    )

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success) == ("RETRY", False, None)
    assert progress.description.startswith("Retrying after an error: SMTP said later")
    # celery-progress's JavaScript reads its own shape for a retry, and keeps polling.
    assert progress.bar_info["result"]["next_retry_seconds"] == 5


def test_a_retry_stored_without_a_traceback_does_not_break_the_page():
    ownership = TaskOwnershipFactory.create()
    celery_app.backend.mark_as_retry(ownership.task_id, ApplicationError("later"), traceback=None)

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete) == ("RETRY", False)


def test_a_revoked_run_has_ended_without_success():
    ownership = TaskOwnershipFactory.create()
    celery_app.backend.mark_as_revoked(ownership.task_id, reason="revoked by staff")

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success) == ("REVOKED", True, False)
    assert progress.error


def test_a_run_whose_record_expired_says_so_instead_of_waiting_forever(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "result_expires", datetime.timedelta(hours=6))
    ownership = TaskOwnershipFactory.create()
    ownership.created_at = timezone.now() - datetime.timedelta(hours=6, minutes=1)
    ownership.save(update_fields=["created_at"])

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.complete, progress.success) == (EXPIRED_STATE, True, False)
    assert progress.error == "This task's record is no longer kept (results are kept for 6 hours)."


def test_a_recent_pending_run_is_still_waiting(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "result_expires", datetime.timedelta(hours=6))
    ownership = TaskOwnershipFactory.create()
    ownership.created_at = timezone.now() - datetime.timedelta(hours=5)
    ownership.save(update_fields=["created_at"])

    assert task_progress_get(ownership=ownership).state == "PENDING"


def test_an_update_state_run_end_to_end_in_eager_mode(queue_for, user):
    ownership = queue_for(user, task=probe_tasks.progress_percent, percents=[10, 60])

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.success, progress.redirect) == ("SUCCESS", True, "/done/")


def test_after_the_end_the_runs_last_count_is_shown(queue_for, user):
    ownership = queue_for(user, steps=7)

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.current, progress.total, progress.percent) == ("SUCCESS", 7, 7, 100.0)
    assert progress.bar_info["progress"]["total"] == 7


def test_after_an_end_without_a_recorded_count_none_is_made_up(queue_for, user):
    ownership = queue_for(user, task=probe_tasks.progress_percent, percents=[40, 80])

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.current, progress.total, progress.percent) == ("SUCCESS", None, None, 100.0)


@pytest.mark.task_failure_expected
def test_a_failed_run_keeps_the_count_it_reached(queue_for, user):
    ownership = queue_for(user, steps=2, fail_with="Stopped.")

    progress = task_progress_get(ownership=ownership)

    assert (progress.state, progress.current, progress.total) == ("FAILURE", 2, 2)
