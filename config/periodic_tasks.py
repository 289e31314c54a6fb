"""Every periodic task of the project, in one place (settings.PERIODIC_TASKS points here).

`manage.py setup_periodic_tasks` (run at every deploy) makes django-celery-beat's
tables say exactly this; `setup_periodic_tasks --check` tells CI whether they
do. To add a task, add an entry: the task object itself (a typo fails at
import), a name (its identity: renaming recreates it), a schedule and, for a
crontab, the crontab.guru link that reads it aloud. Schedules:

    Crontab(minute="0", hour="7")                 # timezone defaults to TIME_ZONE
    Interval(every=timedelta(minutes=10))
    Solar(event="sunrise", latitude=52.37, longitude=4.9)
    Clocked(at=datetime(2030, 1, 1, 9, tzinfo=ZoneInfo("Europe/Amsterdam")))  # once

Keyword arguments are JSON and must fit the task's signature. CELERY_BEAT_SCHEDULE
stays empty: this list replaces it.
"""

from styleguide_project.api.tasks import idempotency_key_delete_expired as idempotency_key_delete_expired_task
from styleguide_project.emails.tasks import email_failed_summary_send as email_failed_summary_send_task
from styleguide_project.emails.tasks import email_status_counts_fold as email_status_counts_fold_task
from styleguide_project.task_progress.tasks import task_ownership_delete_expired as task_ownership_delete_expired_task
from styleguide_project.tasks.app.tasks import task_result_delete_expired as task_result_delete_expired_task
from styleguide_project.tasks.outbox.tasks import dead_letter_delete_expired as dead_letter_delete_expired_task
from styleguide_project.tasks.outbox.tasks import outbox_run_delete_finished as outbox_run_delete_finished_task
from styleguide_project.tasks.periodic.schedules import Crontab, PeriodicTaskDefinition
from styleguide_project.users.tasks import (
    user_email_verification_reminders_send as user_email_verification_reminders_send_task,
)
from styleguide_project.users.tasks import user_onboarding_reminders_send as user_onboarding_reminders_send_task
from styleguide_project.users.tasks import user_unverified_delete_expired as user_unverified_delete_expired_task

PERIODIC_TASKS: tuple[PeriodicTaskDefinition, ...] = (
    PeriodicTaskDefinition(
        name="Emails: daily summary of failed emails",
        task=email_failed_summary_send_task,
        # https://crontab.guru/#0_7_*_*_*
        schedule=Crontab(minute="0", hour="7"),
        # A summary that no worker started within 6 hours is stale news.
        expire_seconds=6 * 3600,
        description="Mails SUPPORT_EMAIL the emails that failed for good yesterday (TIME_ZONE); nothing if none.",
    ),
    PeriodicTaskDefinition(
        name="Tasks: delete expired task results",
        task=task_result_delete_expired_task,
        # https://crontab.guru/#30_3_*_*_*
        schedule=Crontab(minute="30", hour="3"),
        expire_seconds=12 * 3600,
        description="Deletes task and group results older than CELERY_RESULT_EXPIRES. Replaces Celery's own "
        "celery.backend_cleanup entry, which this project's beat scheduler does not install.",
    ),
    PeriodicTaskDefinition(
        name="Users: onboarding reminders",
        task=user_onboarding_reminders_send_task,
        # https://crontab.guru/#0_9_*_*_*
        schedule=Crontab(minute="0", hour="9"),
        expire_seconds=6 * 3600,
        description="Emails, once each, the users who registered more than ONBOARDING_REMINDER_AFTER_HOURS ago "
        "and have not completed onboarding (verified addresses only).",
    ),
    PeriodicTaskDefinition(
        name="Tasks: delete expired task ownership",
        task=task_ownership_delete_expired_task,
        # https://crontab.guru/#45_3_*_*_*
        schedule=Crontab(minute="45", hour="3"),
        expire_seconds=12 * 3600,
        description="Deletes who-queued-what rows of runs older than CELERY_RESULT_EXPIRES, whose results "
        "the result cleanup has already deleted.",
    ),
    PeriodicTaskDefinition(
        name="Users: email verification reminders",
        task=user_email_verification_reminders_send_task,
        # https://crontab.guru/#30_9_*_*_*
        schedule=Crontab(minute="30", hour="9"),
        expire_seconds=6 * 3600,
        description="Emails a fresh verification link, once each, to the users who registered more than "
        "EMAIL_VERIFICATION_REMINDER_AFTER_HOURS ago and have not verified their address.",
    ),
    PeriodicTaskDefinition(
        name="Users: delete accounts left unverified",
        task=user_unverified_delete_expired_task,
        # https://crontab.guru/#0_10_*_*_*
        schedule=Crontab(minute="0", hour="10"),
        expire_seconds=6 * 3600,
        description="Deletes the accounts registered more than USER_UNVERIFIED_DELETE_AFTER_DAYS ago whose "
        "address is unverified and whose reminder's link has expired unused; sends nothing.",
    ),
    PeriodicTaskDefinition(
        name="Tasks: delete expired dead letters",
        task=dead_letter_delete_expired_task,
        # https://crontab.guru/#15_4_*_*_*
        schedule=Crontab(minute="15", hour="4"),
        expire_seconds=12 * 3600,
        description="Deletes the dead letters (final task failures) older than DEAD_LETTER_RETENTION_DAYS, "
        "replayed or not.",
    ),
    PeriodicTaskDefinition(
        name="Tasks: delete finished outbox runs",
        task=outbox_run_delete_finished_task,
        # https://crontab.guru/#30_4_*_*_*
        schedule=Crontab(minute="30", hour="4"),
        expire_seconds=12 * 3600,
        description="Deletes the outbox rows of runs finished more than OUTBOX_RETENTION_DAYS ago (kept until "
        "then to recognise a late copy of a message).",
    ),
    PeriodicTaskDefinition(
        name="API: delete expired idempotency keys",
        task=idempotency_key_delete_expired_task,
        # https://crontab.guru/#45_4_*_*_*
        schedule=Crontab(minute="45", hour="4"),
        expire_seconds=12 * 3600,
        description="Deletes the Idempotency-Key records (and the answers they replay) older than "
        "IDEMPOTENCY_KEY_TTL_HOURS; a request that brings such a key again runs as a new one.",
    ),
    PeriodicTaskDefinition(
        name="Emails: fold the status counts",
        task=email_status_counts_fold_task,
        # https://crontab.guru/#*_*_*_*_*
        schedule=Crontab(minute="*"),
        # The next run does the same work: a run no worker started within the minute is dropped.
        expire_seconds=60,
        description="Folds the email status changes the database recorded into one row per status, so that "
        "/metrics reads the counts of emails by status in a few rows (PostgreSQL only; nothing to do on SQLite).",
    ),
)
