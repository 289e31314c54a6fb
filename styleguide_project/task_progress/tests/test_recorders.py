import logging

import pytest
from django.db import transaction

from styleguide_project.task_progress.recorders import TaskProgressRecorder
from styleguide_project.task_progress.tests import probe_tasks
from styleguide_project.tasks.app.celery import app as celery_app

# Real transactions: the only atomic block is the one a test opens, as on a worker.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def on_a_worker():
    """The request a worker pushes for a run (not eager)."""
    task = probe_tasks.progress_steps
    task.push_request(id="0d6e9a4e-1c54-4f0c-8d0a-6a2c6f1f5d1e", is_eager=False, called_directly=False)
    yield task
    task.pop_request()


def test_records_progress_like_celery_progress(on_a_worker, caplog):
    TaskProgressRecorder(on_a_worker).set_progress(2, 8, "Two of eight")

    meta = celery_app.AsyncResult("0d6e9a4e-1c54-4f0c-8d0a-6a2c6f1f5d1e").info
    assert meta == {"pending": False, "current": 2, "total": 8, "percent": 25.0, "description": "Two of eight"}
    assert "inside a transaction" not in caplog.text


def test_warns_when_a_worker_records_progress_inside_a_transaction(on_a_worker, caplog):
    with caplog.at_level(logging.WARNING), transaction.atomic():
        TaskProgressRecorder(on_a_worker).set_progress(1, 2)

    assert "tests.progress_steps records progress inside a transaction: nobody sees it until the commit" in caplog.text
