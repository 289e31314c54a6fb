"""`celery -A styleguide_project.tasks worker` and `... beat` start against Redis and PostgreSQL."""

import pytest
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.app.celery import app as celery_app

pytestmark = pytest.mark.integration


def test_worker_starts_and_answers_a_ping(celery_worker):
    worker = celery_worker(name="ping")

    replies = celery_app.control.ping(destination=[worker.hostname], timeout=10, limit=1) or []

    assert replies == [{worker.hostname: {"ok": "pong"}}]
    assert "[tasks]" in worker.output
    assert "emails.email_send_batch" in worker.output


def test_beat_starts_with_the_projects_scheduler_and_becomes_active(celery_beat):
    beat = celery_beat()

    beat.wait_for_output(r"beat: took the lock", timeout=30)
    assert beat.alive()
    assert "styleguide_project.tasks.periodic.beat.LockedDatabaseScheduler" in beat.output
    # Unlike django-celery-beat's own scheduler, it writes no celery.backend_cleanup
    # entry: the result cleanup is declared in config/periodic_tasks.py.
    assert not PeriodicTask.objects.exists()
