"""The delivery settings are consistent with each other."""

from django.conf import settings


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
