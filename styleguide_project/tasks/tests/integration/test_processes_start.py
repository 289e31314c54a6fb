"""`celery -A styleguide_project.tasks worker` and `... beat` start against Redis and PostgreSQL."""

import pytest
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.celery import app as celery_app
from styleguide_project.tasks.testing import ManagedProcess, celery_command, wait_until

pytestmark = pytest.mark.integration


def test_worker_starts_and_answers_a_ping(celery_worker):
    worker = celery_worker(name="ping")

    replies = celery_app.control.ping(destination=[worker.hostname], timeout=10, limit=1) or []

    assert replies == [{worker.hostname: {"ok": "pong"}}]
    assert "[tasks]" in worker.output
    assert "emails.email_send" in worker.output


def test_beat_starts_with_the_database_scheduler(live_env):
    beat = ManagedProcess(celery_command("beat", "--loglevel", "INFO"), env=live_env, name="beat").start()
    try:
        beat.wait_for_output(r"beat: Starting\.\.\.", timeout=30)
        # The DatabaseScheduler writes Celery's own cleanup entry when it starts.
        wait_until(
            lambda: PeriodicTask.objects.filter(name="celery.backend_cleanup").exists(),
            timeout=30,
            what="beat's first write to the schedule tables",
        )
        assert beat.alive()
        assert "django_celery_beat.schedulers.DatabaseScheduler" in beat.output
    finally:
        beat.stop()
