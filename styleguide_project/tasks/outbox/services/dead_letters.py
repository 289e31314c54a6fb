"""Dead letters: the final failures of project task runs, recorded, replayed and expired."""

import datetime
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from styleguide_project.common.services import model_update, rows_delete_in_batches
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.registry import task_registered_get
from styleguide_project.tasks.outbox.models import CancelledRun, DeadLetter
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit

# A letter keeps the end of the traceback, where the error was raised; the
# whole of a deep one (a template, the ORM) can run to hundreds of lines.
TRACEBACK_MAX_CHARS = 4000
EXCEPTION_MESSAGE_MAX_CHARS = 2000


@transaction.atomic
def dead_letter_record(
    *,
    task_name: str,
    task_id: str,
    kwargs: Mapping[str, Any],
    exception_type: str,
    exception_message: str,
    traceback: str,
    attempts: int,
    first_failed_at: datetime.datetime,
    last_failed_at: datetime.datetime,
    queue: str = "",
) -> DeadLetter:
    """Record the final failure of run `task_id`; a second final failure of the same run updates its letter.

    The same run can fail for good twice when its message is delivered again
    (a worker lost after the failure, before the acknowledgement): one letter
    per run keeps a replay from running it twice.
    """
    fields = {
        "task_name": task_name,
        "kwargs": _json_safe(kwargs),
        "exception_type": exception_type[:255],
        "exception_message": _bounded(exception_message, EXCEPTION_MESSAGE_MAX_CHARS, keep="start"),
        "traceback": _bounded(traceback, TRACEBACK_MAX_CHARS, keep="end"),
        "attempts": attempts,
        "last_failed_at": last_failed_at,
        "queue": queue,
    }
    letter = DeadLetter.objects.select_for_update().filter(task_id=task_id).first()
    if letter is None:
        letter = DeadLetter(task_id=task_id, first_failed_at=first_failed_at, **fields)
        letter.full_clean()
        letter.save()
        return letter
    letter, _ = model_update(instance=letter, fields=list(fields), data=fields)
    return letter


@transaction.atomic
def dead_letter_replay(*, dead_letter: DeadLetter) -> DeadLetter:
    """Enqueue the letter's task again with its kwargs under a new task id, and mark the letter replayed.

    The task's `on_replay` handler first puts back, in this same transaction,
    what its failure handler moved to a failed state, so that the new run finds
    its work where it expects it. The run is enqueued through the outbox of
    `task_enqueue_on_commit`: nothing is sent if this transaction rolls back.
    """
    letter = DeadLetter.objects.select_for_update().get(id=dead_letter.id)
    task = _replayable_task(task_name=letter.task_name)
    _check_not_replayed(letter=letter)
    _check_not_cancelled(letter=letter)
    [replayed] = _replay(task=task, letters=[letter])
    return replayed


@transaction.atomic
def dead_letter_replay_all(*, task_name: str) -> list[DeadLetter]:
    """Replay every letter of `task_name` not yet replayed, oldest first, in one transaction; returns them.

    The letters of cancelled runs are left out: they are not to run again.
    """
    task = _replayable_task(task_name=task_name)
    letters = list(
        DeadLetter.objects.select_for_update()
        .filter(task_name=task_name, replayed_at__isnull=True)
        .exclude(task_id__in=CancelledRun.objects.values("task_id"))
        .order_by("created_at", "id")
    )
    return _replay(task=task, letters=letters)


def dead_letter_delete_expired(*, older_than: datetime.timedelta) -> int:
    """Delete the letters recorded more than `older_than` ago, replayed or not; returns how many.

    In batches through the index on `created_at`, each committed on its own (`rows_delete_in_batches`).
    """
    return rows_delete_in_batches(queryset=DeadLetter.objects.filter(created_at__lt=timezone.now() - older_than))


def _replayable_task(*, task_name: str) -> ProjectTask:
    task = task_registered_get(name=task_name)
    if task is None:
        raise ApplicationError(
            f"Task {task_name!r} is no longer registered; its dead letters cannot be replayed.",
            extra={"task_name": task_name},
        )
    return task


def _check_not_replayed(*, letter: DeadLetter) -> None:
    if letter.replayed_at is not None:
        raise ApplicationError(
            f"Dead letter {letter.id} was already replayed, as task {letter.replayed_as}.",
            extra={"replayed_at": letter.replayed_at.isoformat(), "replayed_as": letter.replayed_as},
        )


def _check_not_cancelled(*, letter: DeadLetter) -> None:
    cancelled = CancelledRun.objects.filter(task_id=letter.task_id).first()
    if cancelled is not None:
        raise ApplicationError(
            f"Dead letter {letter.id} is of run {letter.task_id}, which was cancelled; it cannot be replayed.",
            extra={"task_id": letter.task_id, "cancelled_at": cancelled.cancelled_at.isoformat()},
        )


def _replay(*, task: ProjectTask, letters: list[DeadLetter]) -> list[DeadLetter]:
    if not letters:
        return []
    now = timezone.now()
    task_ids = [str(uuid.uuid4()) for _ in letters]
    for letter, task_id in zip(letters, task_ids, strict=True):
        if task.on_replay is not None:
            task.on_replay(kwargs=letter.kwargs, task_id=task_id)
        letter.replayed_at = now
        letter.replayed_as = task_id
    DeadLetter.objects.bulk_update(letters, ["replayed_at", "replayed_as"])
    # Each run goes back to the queue it was sent to (none: the task's route).
    by_queue: dict[str, list[DeadLetter]] = {}
    for letter in letters:
        by_queue.setdefault(letter.queue, []).append(letter)
    for queue, queued in by_queue.items():
        task_enqueue_on_commit(
            task=task,
            kwargs_list=[letter.kwargs for letter in queued],
            task_ids=[letter.replayed_as for letter in queued],
            queue=queue or None,
        )
    return letters


def _json_safe(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    # Project tasks take JSON arguments (ProjectTask refuses others at
    # enqueue), so this is a copy; a value that is not JSON all the same (a
    # direct `.apply()` in a shell) is kept as its text rather than losing the letter.
    return dict(json.loads(json.dumps(dict(kwargs), default=str)))


def _bounded(text: str, limit: int, *, keep: str) -> str:
    if len(text) <= limit:
        return text
    cut = "[...]\n"
    return cut + text[-(limit - len(cut)) :] if keep == "end" else text[: limit - len(cut)] + "\n[...]"
