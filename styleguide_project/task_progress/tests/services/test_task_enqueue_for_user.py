import pytest
from django.db import transaction

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.task_progress.services import task_enqueue_for_user, task_ownership_record
from styleguide_project.task_progress.tests import probe_tasks
from styleguide_project.tasks.app.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_the_run_is_owned_and_published_on_commit_with_the_id_returned(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_id = task_enqueue_for_user(task=probe_tasks.progress_steps, kwargs={"steps": 2}, user=user)

    ownership = TaskOwnership.objects.get()
    assert (ownership.task_id, ownership.user, ownership.task_name) == (task_id, user, "tests.progress_steps")
    # Recorded, but not run before the commit.
    assert celery_app.AsyncResult(task_id).state == "PENDING"

    for callback in callbacks:
        callback()

    result = celery_app.AsyncResult(task_id)
    assert (result.state, result.result) == ("SUCCESS", {"redirect": "/done/"})


class RollbackError(Exception):
    pass


def queue_then_roll_back(user):
    with transaction.atomic():
        task_enqueue_for_user(task=probe_tasks.progress_steps, kwargs={"steps": 2}, user=user)
        raise RollbackError


def test_a_rollback_records_and_runs_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RollbackError):
        queue_then_roll_back(user)

    assert callbacks == []
    assert TaskOwnership.objects.count() == 0


def test_a_task_id_is_recorded_once(user):
    task_ownership_record(task_id="abc", user=user, task_name="tests.progress_steps")

    with pytest.raises(Exception, match="already exists"):
        task_ownership_record(task_id="abc", user=user, task_name="tests.progress_steps")
