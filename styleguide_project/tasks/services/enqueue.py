"""Enqueueing task runs from services, once the caller's transaction commits."""

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def task_enqueue_on_commit(
    *, task: Task, kwargs_list: Iterable[Mapping[str, Any]], task_ids: Sequence[str] | None = None
) -> None:
    """Enqueue one run of `task` per kwargs once the current transaction commits.

    Nothing is sent if the transaction rolls back. All messages go through one
    producer (one broker connection). A broker that is down does not fail the
    request that committed: the failure is logged with the arguments that were
    not sent, and the recovery of stranded work picks them up later.

    `task_ids`, one per kwargs, are the ids the runs will have: a caller that
    must know a run's id before the commit (to record who queued it, or to
    redirect to its progress page) chooses it up front.
    """
    pending = [dict(kwargs) for kwargs in kwargs_list]
    ids = list(task_ids) if task_ids is not None else None
    if ids is not None and len(ids) != len(pending):
        raise ValueError(f"{len(ids)} task ids for {len(pending)} runs of {task.name}.")
    if pending:
        transaction.on_commit(lambda: task_enqueue(task=task, kwargs_list=pending, task_ids=ids))


def task_enqueue(*, task: Task, kwargs_list: list[dict[str, Any]], task_ids: Sequence[str] | None = None) -> int:
    """Publish one run of `task` per kwargs now, through one producer; returns how many were published.

    Never raises: this runs after the commit, when the caller's work is
    already saved. What could not be published is logged with its arguments.
    """
    eager = task.app.conf.task_always_eager
    published = 0
    try:
        with task.app.producer_or_acquire() as producer:
            for index, kwargs in enumerate(kwargs_list):
                task_id = task_ids[index] if task_ids is not None else None
                if eager:
                    _task_run_eagerly(task=task, kwargs=kwargs, producer=producer, task_id=task_id)
                else:
                    task.apply_async(kwargs=kwargs, producer=producer, task_id=task_id)
                published += 1
    except Exception:
        logger.exception(
            "Could not enqueue %s: %d of %d runs not sent: %s",
            task.name,
            len(kwargs_list) - published,
            len(kwargs_list),
            kwargs_list[published:],
        )
    return published


def _task_run_eagerly(*, task: Task, kwargs: dict[str, Any], producer: Any, task_id: str | None) -> None:
    # In eager mode the task runs right here; its failure is the task's own
    # business (retries, failure handler), and must not stop the others.
    try:
        task.apply_async(kwargs=kwargs, producer=producer, task_id=task_id)
    except Exception:
        logger.exception("%s failed for %s", task.name, kwargs)
