"""The marker of the periodic tasks that code declares and the sync owns."""

from django.db import models
from django_celery_beat.models import PeriodicTask


class ManagedPeriodicTask(models.Model):
    """Marks a django-celery-beat `PeriodicTask` as declared in code and owned by `setup_periodic_tasks`.

    `name` is the definition's name in `config/periodic_tasks.py`,
    the identity the sync matches on: a managed task renamed in the admin is
    renamed back, with its run history kept. Tasks without a marker (made in
    the admin, or Celery's own) are never touched by the sync. Deleting the
    task in the admin deletes the marker with it, and the next sync creates
    the task again.
    """

    periodic_task = models.OneToOneField(PeriodicTask, on_delete=models.CASCADE, related_name="managed_by_code")
    name = models.CharField(max_length=200, unique=True)
    grace_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How late a run may be before the watchdog reports it; empty: a fraction of its period.",
    )
    # The watchdog's own notes (tasks/periodic/watchdog.py), so that a look at thousands of tasks reads only
    # those due or changed: when the task's next run is due, worked out from `due_after` (its last run, or
    # when its row was written), and the time from that run to the one after (None for a one-off), which a
    # default grace is a fraction of.
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    due_after = models.DateTimeField(null=True, blank=True, editable=False)
    due_period_seconds = models.FloatField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return self.name


class PeriodicTaskSyncState(models.Model):
    """What the last sync that wrote left behind: a fingerprint of the definitions it read and of the rows.

    One row. A sync whose definitions and whose rows both have the fingerprints
    stored here has nothing to do, and says so without validating and
    comparing every definition again (`tasks/periodic/fingerprint.py`).
    """

    definitions_fingerprint = models.CharField(max_length=64)
    rows_fingerprint = models.CharField(max_length=64)
    synced_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sync of {self.synced_at.isoformat()}"
