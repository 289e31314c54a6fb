"""The Celery settings that periodic tasks depend on."""

from django.conf import settings

from styleguide_project.tasks.celery import app as celery_app


def test_beat_runs_in_django_time_zone():
    # Both read DJANGO_TIME_ZONE with the same default; this keeps them from drifting apart.
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    assert str(celery_app.timezone) == settings.TIME_ZONE


def test_schedules_come_from_the_database_through_the_locking_scheduler_only():
    assert celery_app.conf.beat_scheduler == "styleguide_project.tasks.beat:LockedDatabaseScheduler"
    # styleguide_project/tasks/periodic.py replaces it: see the README.
    assert celery_app.conf.beat_schedule == {}
