"""Celery, read by `app.config_from_object("django.conf:settings", namespace="CELERY")`.

Each setting carries the reason it is set.
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from config.env import env

# Unset means eager mode: tasks run inside the calling process, so a fresh
# clone needs no broker. The in-memory transport keeps anything that would
# still talk to a broker (control commands, health, the producer an enqueue
# opens) from reaching for AMQP; it names a host so that kombu does not warn
# that none was supplied.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = env.str("CELERY_BROKER_URL", default="") == ""
# In eager mode an exception must reach the caller, as `.get()` would raise it.
CELERY_TASK_EAGER_PROPAGATES = True

# JSON only: a task's arguments must be plain data, never pickled objects.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_ACCEPT_CONTENT = ["json"]

# Eager runs store their results too, so AsyncResult, status and progress
# reads work in development and tests exactly as with a worker.
CELERY_TASK_STORE_EAGER_RESULT = True

# Results live next to the data they describe, readable from the admin.
CELERY_RESULT_BACKEND = "django-db"
# Extended results keep the task name, arguments and worker with the result.
CELERY_RESULT_EXTENDED = True
# STARTED lets a status read tell a running task from a queued one.
CELERY_TASK_TRACK_STARTED = True
# A week of results (seconds from the environment) to look into an incident;
# the "Tasks: delete expired task results" periodic task deletes older ones.
# Tasks whose result nobody reads (email_send_batch: the Email rows are the record)
# set ignore_result=True and store nothing.
CELERY_RESULT_EXPIRES = timedelta(seconds=env.int("CELERY_RESULT_EXPIRES", default=7 * 24 * 3600))

# Task events let Flower (and `celery events`) follow every task: workers
# report received/started/succeeded/failed. Without a monitor listening,
# Redis drops them at once.
CELERY_WORKER_SEND_TASK_EVENTS = True
# No "sent" event from the publisher: it is a second broker command on every
# publish, inside the web request (about 40% of the publish's CPU, see
# docs/benchmarks.md), for a state Flower shows only until a worker receives
# the task a moment later. A backlog shows in the queue's length instead.
CELERY_TASK_SEND_SENT_EVENT = False

# Processes per worker; unset means one per CPU, which inside a container is
# every CPU of the host.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)

# Beat's clock and crontabs without a timezone of their own follow Django's
# TIME_ZONE (same variable, same default; a test keeps the two equal).
CELERY_TIMEZONE = env.str("DJANGO_TIME_ZONE", default="UTC")

# django-celery-beat's DatabaseScheduler (schedules are rows that
# `setup_periodic_tasks` keeps equal to PERIODIC_TASKS),
# holding a Redis lock so that only one beat sends tasks at a time.
CELERY_BEAT_SCHEDULER = "styleguide_project.tasks.periodic.beat:LockedDatabaseScheduler"
# Empty for good: django-celery-beat writes these entries into the database at
# every beat start, over admin edits, and never deletes one removed from here.
# PERIODIC_TASKS replaces it.
CELERY_BEAT_SCHEDULE: dict[str, object] = {}
# The project's periodic tasks, one list beside the URLconf: the task kit's
# `setup_periodic_tasks` loads it by this path, so the kit imports no app.
PERIODIC_TASKS = "config.periodic_tasks.PERIODIC_TASKS"
# A crontab run missed by more than this (beat was down, or last_run_at is
# stale after a deploy) is skipped rather than sent late at start-up.
CELERY_BEAT_CRON_STARTING_DEADLINE = 600
# The active beat saves last_run_at after every task it sends, not every 3
# minutes, so a standby that takes over after a crash does not send them again.
CELERY_BEAT_SYNC_EVERY = 1

# A worker that starts before Redis must wait for it instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# @one_instance: seconds before the lock of a run that was killed outright lapses.
DEFAULT_ONE_INSTANCE_TIMEOUT = env.int("DEFAULT_ONE_INSTANCE_TIMEOUT", default=7200)

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
# No retry waits longer than this (seconds), whatever the attempt number.
TASK_RETRY_BACKOFF_MAX_SECONDS = env.int("TASK_RETRY_BACKOFF_MAX_SECONDS", default=600)

# --- Delivery: at least once, with idempotent tasks (docs/reliability.md) ---

# Acknowledge a message after the task ran, not when it was received: a
# worker that dies mid-task leaves the message to be delivered again.
CELERY_TASK_ACKS_LATE = True
# A pool process killed mid-task (OOM, SIGKILL) requeues its message too.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Short tasks: a few messages in hand per process keep the pool busy between
# broker round trips; with late acks they are redelivered if the worker dies.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)

# Stopping a worker (a deploy's restart): docker/start-worker sets
# REMAP_SIGTERM=SIGQUIT, so the SIGTERM of systemd and compose starts Celery's
# soft shutdown instead of a warm one. The worker stops taking messages, gives
# its running tasks this many seconds to finish, then cancels what is still
# running and hands every message it holds back to the broker at once
# (running ones are redelivered: late acks; tasks are idempotent). A warm
# shutdown would wait for the longest task (up to the time limit), and on Redis
# what the worker had prefetched would come back only after the visibility
# timeout. Keep it below compose's stop_grace_period and systemd's TimeoutStopSec.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=10.0)
# An idle worker can still hold messages: a retry waiting for its countdown
# (on Redis, countdowns wait in the worker, unacknowledged). Soft shutdown on
# idle gives it the same orderly hand-back.
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True

# Soft limit raises SoftTimeLimitExceeded in the task (it can clean up); the
# hard limit kills the pool process. Long tasks set their own.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)

# Redis redelivers a message that was not acknowledged within this many
# seconds. It must exceed every countdown/ETA (a retry waiting in a worker
# is unacknowledged) and every time limit, or Redis would duplicate those
# tasks; a test checks it against the backoff cap and the time limits.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=2 * 3600)
# The transport options, for Redis or RabbitMQ, are with the queues below.

# On Redis, the Celery app (styleguide_project/tasks/app/celery.py) registers
# kombu's transport with a fix that keeps a worker alive when it loses the
# broker while holding unacknowledged messages, under the `redis` scheme so the
# URL stays one Flower can read.

# A publish that fails is retried briefly, then the caller logs it and the
# outbox relay publishes the run later: a request never waits long on a dead broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

# Pool processes are replaced after this many tasks / this much resident
# memory (KiB), so a slow leak in a library cannot grow a worker for ever.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=10_000)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=300_000)

# Days a dead letter stays for staff to look into and replay before the periodic cleanup deletes it.
DEAD_LETTER_RETENTION_DAYS = env.int("DEAD_LETTER_RETENTION_DAYS", default=30)

# --- Queues by workload: one worker pool per queue (docs/deploy.md) ---

# A person is waiting for these: onboarding, verification and password emails.
TASK_QUEUE_TRANSACTIONAL = "transactional"
# Many messages at once and nobody waiting on any one: campaign batches, summaries.
TASK_QUEUE_BULK = "bulk"
# Periodic housekeeping: clean-ups.
TASK_QUEUE_MAINTENANCE = "maintenance"
TASK_QUEUES = (TASK_QUEUE_TRANSACTIONAL, TASK_QUEUE_BULK, TASK_QUEUE_MAINTENANCE)

# A task without a route is housekeeping until someone decides otherwise; a
# test makes every project task name its queue below.
CELERY_TASK_DEFAULT_QUEUE = TASK_QUEUE_MAINTENANCE
# Messages are written to disk by the broker, so they survive its restart.
CELERY_TASK_DEFAULT_DELIVERY_MODE = "persistent"

# RabbitMQ: quorum queues drop a message delivered this many times (below).
RABBITMQ_DELIVERY_LIMIT = 20
# The longest a worker holds a message unacknowledged is a task's hard time
# limit (on RabbitMQ, countdowns wait in the broker). RabbitMQ closes the
# channel of a consumer that holds one longer than its server setting
# `consumer_timeout` (30 minutes by default); a test checks the server's
# against this, and this against the time limit.
RABBITMQ_CONSUMER_TIMEOUT_SECONDS = 1800


def broker_is_rabbitmq(broker_url: str) -> bool:
    return broker_url.startswith(("amqp://", "amqps://", "pyamqp://"))


def broker_task_queues(broker_url: str) -> list[Queue]:
    """The project's queues as this broker declares them (also used by the tests that switch brokers)."""
    if not broker_is_rabbitmq(broker_url):
        return [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in TASK_QUEUES]
    # Quorum queues are replicated (Raft) and durable: a message the broker
    # confirmed survives the loss of a minority of its nodes.
    # Topic exchanges: a countdown (a retry's backoff) goes through Celery's
    # native delayed delivery and waits in the broker, not in a worker.
    # delivery-limit: a message delivered this many times without an ack (a
    # task that kills its worker again and again) is dropped instead of
    # looping for ever. The database still holds the work: its outbox run is
    # not done, and the relay publishes it again once its lease lapses.
    return [
        Queue(
            name,
            Exchange(name, type="topic"),
            routing_key=name,
            queue_arguments={"x-queue-type": "quorum", "x-delivery-limit": RABBITMQ_DELIVERY_LIMIT},
        )
        for name in TASK_QUEUES
    ]


def broker_transport_options(broker_url: str) -> dict[str, object]:
    options: dict[str, object] = {
        # A dead broker must fail a publish quickly, not hang a request.
        "socket_connect_timeout": 2,
    }
    if broker_is_rabbitmq(broker_url):
        # RabbitMQ acknowledges each publish: a message it did not take raises.
        options["confirm_publish"] = True
    else:
        options["visibility_timeout"] = CELERY_BROKER_VISIBILITY_TIMEOUT
    return options


# On RabbitMQ a countdown under a second cannot be sent: native delayed
# delivery counts whole seconds, and Celery's publish raises for 0 (the retry
# is then dropped, its run left to the outbox relay). The shortest
# countdown is half the backoff base (task_retry_countdown's jitter).
if broker_is_rabbitmq(CELERY_BROKER_URL) and TASK_RETRY_BACKOFF_SECONDS < 2:
    raise ImproperlyConfigured(
        f"TASK_RETRY_BACKOFF_SECONDS must be at least 2 with RabbitMQ (CELERY_BROKER_URL), "
        f"not {TASK_RETRY_BACKOFF_SECONDS}: a retry's countdown must be at least one second."
    )

CELERY_TASK_QUEUES = broker_task_queues(CELERY_BROKER_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL)
# Quorum queues refuse a channel-wide prefetch; Celery then sets it per
# consumer (its default, said here because RabbitMQ depends on it).
CELERY_WORKER_DETECT_QUORUM_QUEUES = True

# Each task's queue. emails.email_send_batch is the one task of two
# workloads: its enqueuer names the queue (email_send_all: a campaign's
# batches go to bulk); the route is where a delivery goes otherwise.
CELERY_TASK_ROUTES = {
    # An onboarding or password email is the one a person waits for.
    "emails.email_send_batch": {"queue": TASK_QUEUE_TRANSACTIONAL},
    # Looks up the account and queues its reset email: a person is waiting.
    "users.user_password_reset_send": {"queue": TASK_QUEUE_TRANSACTIONAL},
    # Creates and queues an email per recipient, thousands at a time (the
    # campaigns app's task, under the name it had in the emails app).
    "emails.email_campaign_send": {"queue": TASK_QUEUE_BULK},
    # A daily report to staff: nobody waits on it.
    "emails.email_failed_summary_send": {"queue": TASK_QUEUE_BULK},
    # A sweep over every user who has not onboarded; its emails go out as transactional ones.
    "users.user_onboarding_reminders_send": {"queue": TASK_QUEUE_BULK},
    # The same sweep over users whose address is not verified yet.
    "users.user_email_verification_reminders_send": {"queue": TASK_QUEUE_BULK},
    # Deletes accounts left unverified, in batches: nobody waits on it.
    "users.user_unverified_delete_expired": {"queue": TASK_QUEUE_MAINTENANCE},
    # Clean-ups of old rows.
    "tasks.task_result_delete_expired": {"queue": TASK_QUEUE_MAINTENANCE},
    "task_progress.task_ownership_delete_expired": {"queue": TASK_QUEUE_MAINTENANCE},
    "tasks.dead_letter_delete_expired": {"queue": TASK_QUEUE_MAINTENANCE},
    "tasks.outbox_run_delete_finished": {"queue": TASK_QUEUE_MAINTENANCE},
    "api.idempotency_key_delete_expired": {"queue": TASK_QUEUE_MAINTENANCE},
    # Folds the email status changes the database recorded, every minute: a few rows.
    "emails.email_status_counts_fold": {"queue": TASK_QUEUE_MAINTENANCE},
}

# Where staff reach Flower in a browser (behind its proxy, docs/deploy.md): the front page links it for
# staff. Empty: no link.
FLOWER_URL = env.str("FLOWER_URL", default="")
