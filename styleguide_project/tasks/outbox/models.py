"""The outbox's runs, the dead letters of runs that failed for good, and the runs cancelled."""

from django.db import models
from django.utils import timezone


class OutboxRun(models.Model):
    """One task run a service asked for, written in the service's own transaction (the transactional outbox).

    The row exists exactly when the work that asked for the run committed. It
    is published after the commit (`published_at`); a relay publishes the rows
    that the fast path could not (broker down, process killed between commit
    and publish). While a worker runs it, `started_at` holds a lease; once it
    succeeded, `done_at` makes any later copy of its message a no-op.
    """

    task_id = models.CharField(max_length=64, primary_key=True)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    queue = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The relay's scan: what is left to publish, oldest first.
            models.Index(
                fields=["created_at"], name="outbox_unpublished", condition=models.Q(published_at__isnull=True)
            ),
            # The relay's second scan and the cleanup.
            models.Index(fields=["done_at", "started_at"], name="outbox_runs_by_state"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}]"


class DeadLetter(models.Model):
    """The final failure of one project task run, kept so that staff can see it and run it again.

    Written by the kit's `task_failure` receiver (`tasks/outbox/signals.py`) once
    retries are exhausted or the error cannot heal; never for a retry. One
    letter per run: a run that fails for good again (a redelivered message)
    updates its letter. A replay enqueues the same task and kwargs under a new
    id (`replayed_as`); if that run fails for good too, it has a letter of its own.
    """

    task_name = models.CharField(max_length=255)
    task_id = models.CharField(max_length=255, unique=True)
    kwargs = models.JSONField(default=dict)
    exception_type = models.CharField(max_length=255)
    exception_message = models.TextField(blank=True)
    # The end of the traceback, where the error was raised; see TRACEBACK_MAX_CHARS.
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField()
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    # The queue the run was sent to when its enqueuer chose one over the
    # task's route (a campaign's emails on the bulk queue); a replay goes there too.
    queue = models.CharField(max_length=200, blank=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replayed_as = models.CharField(max_length=255, blank=True, help_text="The task id of the replayed run.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            # The list by task, newest first.
            models.Index(fields=("task_name", "-created_at"), name="tasks_deadletter_task_idx"),
            # The list of a day (a range on created_at), and the expiry.
            models.Index(fields=("created_at",), name="tasks_deadletter_created_idx"),
        )

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}]"


class CancelledRun(models.Model):
    """A task run cancelled by id (`task_run_cancel`): no copy of it starts, and a running copy stops at a checkpoint.

    Keyed by the run's task id, which every copy of its message carries (a
    retry, a relay's publish, a redelivery): the kit's cancel guard looks it
    up before a body runs, and `ProjectTask.is_cancelled()` while it runs.
    Kept: a cancellation is a rare act of staff, and a row must outlive every
    message and dead letter of its run.
    """

    task_id = models.CharField(max_length=255, primary_key=True)
    cancelled_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.task_id} (cancelled {self.cancelled_at:%Y-%m-%d %H:%M})"
