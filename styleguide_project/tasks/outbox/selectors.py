"""Reads of the dead letters, and of the runs cancelled."""

import datetime
from typing import TypedDict

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from styleguide_project.core.dates import local_period_bounds
from styleguide_project.tasks.app.registry import task_registered_names
from styleguide_project.tasks.outbox.models import CancelledRun, DeadLetter


class DeadLetterFilters(TypedDict, total=False):
    task_name: str
    # The day of the final failure, in TIME_ZONE.
    day: datetime.date


def dead_letter_list(*, filters: DeadLetterFilters | None = None) -> QuerySet[DeadLetter]:
    """Dead letters, newest first, each with `task_registered`: False when its task no longer exists."""
    filters = filters or {}
    queryset = DeadLetter.objects.annotate(
        task_registered=ExpressionWrapper(Q(task_name__in=task_registered_names()), output_field=BooleanField())
    ).order_by("-created_at", "-id")
    if "task_name" in filters:
        queryset = queryset.filter(task_name=filters["task_name"])
    if "day" in filters:
        # A range rather than `created_at__date`, so that the index on created_at serves it. A day out of
        # range raises ValueError; the API refuses it first.
        day = filters["day"]
        start, end = local_period_bounds(year=day.year, month=day.month, day=day.day)
        queryset = queryset.filter(created_at__gte=start, created_at__lt=end)
    return queryset


def dead_letter_get(*, dead_letter_id: int) -> DeadLetter | None:
    return dead_letter_list().filter(id=dead_letter_id).first()


def task_run_cancelled(*, task_id: str) -> bool:
    """Whether run `task_id` was cancelled (`task_run_cancel`): one lookup by primary key."""
    return CancelledRun.objects.filter(task_id=task_id).exists()
