"""Cancelling a task run by id: a run not started never starts, a running one stops at its next checkpoint.

Nothing is revoked at the broker and no process is killed (a worker killed
mid-body leaves its work half done; Celery's `revoke(terminate=True)` signals
whatever the pool process runs by then, celery#2142). Instead every copy of
the run finds the cancellation where it would start: the kit's cancel guard
(`tasks/outbox/cancel_guard.py`) skips the body of a cancelled id, whether the
copy comes from the fast path, the relay, a retry's countdown or a
redelivery, and a body that runs long asks `self.is_cancelled()` between its
steps.
"""

import logging

from django.db import transaction
from django.utils import timezone

from styleguide_project.tasks.outbox.models import CancelledRun, DeadLetter, OutboxRun

logger = logging.getLogger(__name__)


@transaction.atomic
def task_run_cancel(*, task_id: str) -> list[str]:
    """Cancel run `task_id` and every replay of its dead letter (and theirs); returns the ids cancelled now.

    - Its outbox row is marked done: the relay never publishes it (again),
      and a copy already in the broker finds it done.
    - A replay of its dead letter already enqueued is a run of its own id
      (`replayed_as`): cancelled too, so that cancelling a run cancels what
      stands in for it. A replay asked for later is refused
      (`dead_letter_replay`).
    Cancelling a run twice, or a run that already ended, changes nothing
    more; an id no run has is recorded all the same (its message may still
    be on its way).
    """
    task_ids = _with_replays(task_id=str(task_id))
    already = set(CancelledRun.objects.filter(task_id__in=task_ids).values_list("task_id", flat=True))
    cancelled = [run_id for run_id in task_ids if run_id not in already]
    now = timezone.now()
    # ignore_conflicts: two cancels of one run at once both succeed, and one row is kept.
    CancelledRun.objects.bulk_create(
        [CancelledRun(task_id=run_id, cancelled_at=now) for run_id in cancelled], ignore_conflicts=True
    )
    OutboxRun.objects.filter(task_id__in=task_ids, done_at__isnull=True).update(done_at=now)
    if cancelled:
        logger.info("Task runs cancelled: %s", ", ".join(cancelled))
    return cancelled


def _with_replays(*, task_id: str) -> list[str]:
    """`task_id`, then the runs that replayed its dead letter, and those that replayed theirs, in order."""
    found = [task_id]
    todo = [task_id]
    while todo:
        # Locked: a replay of one of these letters waits for this cancel, then finds the run cancelled.
        replays = list(
            DeadLetter.objects.select_for_update()
            .filter(task_id__in=todo)
            .exclude(replayed_as="")
            .values_list("replayed_as", flat=True)
        )
        todo = [run_id for run_id in replays if run_id not in found]
        found += todo
    return found
