"""The Celery settings: delivery settings consistent with each other, and what periodic tasks depend on."""

from django.conf import settings

from styleguide_project.tasks.app.celery import app as celery_app


def test_redis_visibility_timeout_exceeds_every_countdown_and_time_limit():
    # A message held longer than this is redelivered by Redis: a retry's
    # countdown or a long task would run twice.
    longest_wait = max(
        settings.TASK_RETRY_BACKOFF_MAX_SECONDS,
        settings.CELERY_TASK_TIME_LIMIT,
        settings.CELERY_TASK_SOFT_TIME_LIMIT,
    )

    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest_wait


def test_the_soft_limit_comes_before_the_hard_one():
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_messages_are_acknowledged_after_the_task_ran():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True


def test_beat_runs_in_django_time_zone():
    # Both read DJANGO_TIME_ZONE with the same default; this keeps them from drifting apart.
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    assert str(celery_app.timezone) == settings.TIME_ZONE


def test_schedules_come_from_the_database_through_the_locking_scheduler_only():
    assert celery_app.conf.beat_scheduler == "styleguide_project.tasks.periodic.beat:LockedDatabaseScheduler"
    # config/periodic_tasks.py replaces it: see the README.
    assert celery_app.conf.beat_schedule == {}
