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

    def __str__(self) -> str:
        return self.name
