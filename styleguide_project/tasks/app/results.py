"""Cleaning up stored task results."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_celery_results.models import GroupResult, TaskResult


@transaction.atomic
def task_result_delete_expired(*, expires: timedelta) -> dict[str, int]:
    """Delete the task and group results that finished more than `expires` ago; returns how many of each.

    What Celery's own `celery.backend_cleanup` does for this result backend,
    as a project task with a result that says what it deleted.
    """
    cutoff = timezone.now() - expires
    task_results, _ = TaskResult.objects.filter(date_done__lt=cutoff).delete()
    group_results, _ = GroupResult.objects.filter(date_done__lt=cutoff).delete()
    return {"task_results": task_results, "group_results": group_results}
