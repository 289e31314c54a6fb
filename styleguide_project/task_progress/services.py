"""Queueing task runs that a user will watch, and recording who queued them."""

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from celery import Task
from django.db import transaction
from django.utils import timezone

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit

if TYPE_CHECKING:
    # Annotations only: the task runs of any AUTH_USER_MODEL are recorded.
    from styleguide_project.users.models import BaseUser


def task_ownership_record(*, task_id: str, user: "BaseUser", task_name: str) -> TaskOwnership:
    """Record that `user` queued the run `task_id`; only they (or staff) may see its progress."""
    ownership = TaskOwnership(task_id=task_id, user=user, task_name=task_name)
    ownership.full_clean()
    ownership.save()
    return ownership


@transaction.atomic
def task_enqueue_for_user(*, task: Task, kwargs: Mapping[str, Any], user: "BaseUser") -> str:
    """Queue one run of `task` once the transaction commits, owned by `user`; returns the run's id.

    The id is chosen here, before the commit, so that the caller can record it
    and redirect to `task:progress` at once, while the message itself is only
    published after the commit (a rollback queues nothing and records nothing).
    """
    task_id = str(uuid.uuid4())
    task_ownership_record(task_id=task_id, user=user, task_name=task.name)
    task_enqueue_on_commit(task=task, kwargs_list=[kwargs], task_ids=[task_id])
    return task_id


@transaction.atomic
def task_ownership_delete_expired(*, expires: timedelta) -> int:
    """Delete the ownership of runs queued more than `expires` ago; returns how many.

    Their results are gone by then (the result cleanup uses the same age), so
    the progress page had nothing more to show than "expired"; now it answers
    404 like any unknown run.
    """
    deleted, _ = TaskOwnership.objects.filter(created_at__lt=timezone.now() - expires).delete()
    return deleted


def task_ownership_progress_record(*, task_id: str, current: int, total: int) -> None:
    """Keep the last count run `task_id` recorded, to be shown after it ends; a run nobody watches has no row."""
    TaskOwnership.objects.filter(task_id=task_id).update(progress_current=current, progress_total=total)
