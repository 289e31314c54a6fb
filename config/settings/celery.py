"""Celery, read by `app.config_from_object("django.conf:settings", namespace="CELERY")`.

Each setting carries the reason it is set.
"""

from datetime import timedelta

from config.env import env

# Unset means eager mode: tasks run inside the calling process, so a fresh
# clone needs no broker. The in-memory transport keeps anything that would
# still talk to a broker (control commands, health) from reaching for AMQP.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.str("CELERY_BROKER_URL", default="") == ""
# In eager mode an exception must reach the caller, as `.get()` would raise it.
CELERY_TASK_EAGER_PROPAGATES = True

# JSON only: a task's arguments must be plain data, never pickled objects.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_ACCEPT_CONTENT = ["json"]

# Results live next to the data they describe, readable from the admin.
CELERY_RESULT_BACKEND = "django-db"
# Extended results keep the task name, arguments and worker with the result.
CELERY_RESULT_EXTENDED = True
# STARTED lets a status read tell a running task from a queued one.
CELERY_TASK_TRACK_STARTED = True
# A week of results to look into an incident; the "Tasks: delete expired task
# results" periodic task deletes older ones.
CELERY_RESULT_EXPIRES = timedelta(days=7)

# Beat's clock and crontabs without a timezone of their own follow Django's
# TIME_ZONE (same variable, same default; a test keeps the two equal).
CELERY_TIMEZONE = env.str("DJANGO_TIME_ZONE", default="UTC")

# django-celery-beat's DatabaseScheduler (schedules are rows that
# `setup_periodic_tasks` keeps equal to styleguide_project/tasks/periodic.py),
# holding a Redis lock so that only one beat sends tasks at a time.
CELERY_BEAT_SCHEDULER = "styleguide_project.tasks.beat:LockedDatabaseScheduler"
# Empty for good: a settings entry is matched by name and never updated in the
# database; periodic.py replaces it.
CELERY_BEAT_SCHEDULE: dict[str, object] = {}
# A crontab run missed by more than this (beat was down, or last_run_at is
# stale after a deploy) is skipped rather than sent late at start-up.
CELERY_BEAT_CRON_STARTING_DEADLINE = 600
# The active beat saves last_run_at after every task it sends, not every 3
# minutes, so a standby that takes over after a crash does not send them again.
CELERY_BEAT_SYNC_EVERY = 1

# A worker that starts before Redis must wait for it instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The beat lock lives this long without renewal (the active beat renews it
# every tick): a standby beat takes over within about this long after the
# active one dies. Key: one per deployment sharing a Redis.
BEAT_LOCK_TTL_SECONDS = env.int("BEAT_LOCK_TTL_SECONDS", default=30)
BEAT_LOCK_KEY = env.str("BEAT_LOCK_KEY", default="styleguide_project:beat:lock")
# The active beat writes the unix time here at every tick, for health checks;
# the key disappears this long after beat stops ticking.
BEAT_LAST_TICK_KEY = "styleguide_project:beat:last_tick"
BEAT_LAST_TICK_TTL_SECONDS = 300

# Task retries: the base of the exponential backoff and the number of tries.
TASK_RETRY_BACKOFF_SECONDS = env.int("TASK_RETRY_BACKOFF_SECONDS", default=5)
TASK_MAX_RETRIES = env.int("TASK_MAX_RETRIES", default=5)
