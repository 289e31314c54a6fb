"""Celery, read by `app.config_from_object("django.conf:settings", namespace="CELERY")`.

Each setting carries the reason it is set.
"""

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

# Task events let Flower (and `celery events`) follow every task: workers
# report received/started/succeeded/failed, and senders report sent. Without
# a monitor listening, Redis drops them at once.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True

# Processes per worker; unset means one per CPU, which inside a container is
# every CPU of the host.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)

# Schedules are rows in the database, managed by `setup_periodic_tasks`.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Schedules are declared in styleguide_project/tasks/periodic.py, not here.
CELERY_BEAT_SCHEDULE: dict[str, object] = {}

# A worker that starts before Redis must wait for it instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Task retries: the base of the exponential backoff and the number of tries.
TASK_RETRY_BACKOFF_SECONDS = env.int("TASK_RETRY_BACKOFF_SECONDS", default=5)
TASK_MAX_RETRIES = env.int("TASK_MAX_RETRIES", default=5)
