"""The outbox's relay and the once-only guard of outbox runs.

- `task_outbox_relay` is the one mechanism that brings back lost work, for
  every task. It publishes again:
  - the runs the fast path did not publish (broker down at the commit,
    process killed between commit and publish);
  - the runs whose worker was killed mid-run (their lease lapsed);
  - the runs the broker lost after taking them (a Redis restart without
    persistence, a worker killed with the message it had reserved): published,
    due for `OUTBOX_LOST_AFTER_SECONDS` and never started, while their queue
    has nothing waiting. A run merely queued behind others is never published
    twice, because its queue is not empty; a retry is due when its countdown
    ends (`published_at` holds that time).
  Several relays may run at once (one per worker): rows are taken with
  `SELECT ... FOR UPDATE SKIP LOCKED`, a batch at a time, a bounded number of
  batches per pass.
- `outbox_run_claim` / `outbox_run_done` / `outbox_run_release` make a run
  happen once: a copy of a message whose run already succeeded (the fast
  path and the relay both published it, a redelivery after a lost worker,
  Redis's visibility timeout) finds `done_at` set and does nothing; a copy
  that arrives while another runs waits for it.
"""

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Celery
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from styleguide_project.common.services import rows_delete_in_batches
from styleguide_project.tasks.app.retry import DATABASE_ERRORS
from styleguide_project.tasks.observation.queues import task_queue_depth_list
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.enqueue import OUTBOX_HEADER, kwargs_repr

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayPass:
    published: int = 0
    # Runs whose task is not registered in this process: left in the outbox.
    unknown: int = 0
    # True when the broker refused a publish: the pass stopped there.
    broker_failed: bool = False


def task_outbox_relay(*, app: Celery, max_batches: int | None = None, batch_size: int | None = None) -> RelayPass:
    """Publish what the fast path left behind, a bounded number of batches; returns what one pass did."""
    batches = settings.OUTBOX_RELAY_MAX_BATCHES if max_batches is None else max_batches
    size = settings.OUTBOX_RELAY_BATCH_SIZE if batch_size is None else batch_size
    total = RelayPass()
    idle = _idle_queue_tasks(app=app)
    for _ in range(batches):
        result = _relay_batch(app=app, size=size, idle=idle)
        total = RelayPass(
            published=total.published + result.published,
            unknown=total.unknown + result.unknown,
            broker_failed=result.broker_failed,
        )
        if result.broker_failed or result.published + result.unknown < size:
            break
    return total


@dataclass(frozen=True)
class IdleQueues:
    """The queues with nothing waiting, and the tasks routed to them by default."""

    queues: frozenset[str]
    tasks: frozenset[str]


def _idle_queue_tasks(*, app: Celery) -> IdleQueues | None:
    """What a lost run can be told apart on: its queue has nothing waiting. None when the broker cannot tell."""
    try:
        depths = task_queue_depth_list(timeout=float(settings.HEALTH_TIMEOUT_SECONDS))
    except Exception:  # noqa: BLE001 - any broker or network error: the broker cannot tell
        logger.warning("Outbox relay: the queues' depths cannot be read; lost runs wait for the next pass")
        return None
    queues = frozenset(depth.name for depth in depths if depth.messages == 0)
    router = app.amqp.router
    tasks = frozenset(name for name in app.tasks if router.route({}, name)["queue"].name in queues)
    return IdleQueues(queues=queues, tasks=tasks)


def _lost(*, idle: IdleQueues | None, now: Any) -> Q:
    """Published, due long enough ago, never started, not done, on a queue with nothing waiting."""
    if idle is None or not idle.queues:
        return Q(pk__in=[])
    due = now - timedelta(seconds=settings.OUTBOX_LOST_AFTER_SECONDS)
    on_idle_queue = Q(queue__in=idle.queues) | Q(queue="", task_name__in=idle.tasks)
    return Q(published_at__lt=due, started_at__isnull=True, done_at__isnull=True) & on_idle_queue


@transaction.atomic
def _relay_batch(*, app: Celery, size: int, idle: IdleQueues | None = None) -> RelayPass:
    now = timezone.now()
    fresh = now - timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS)
    lapsed = now - timedelta(seconds=settings.OUTBOX_RUN_LEASE_SECONDS)
    rows = list(
        OutboxRun.objects.filter(
            # Never published, and old enough that the fast path gave up on it
            # (and not done: a cancelled run is marked done and never published);
            # or started by a worker that died (the lease lapsed, not done);
            # or lost by the broker after it took it.
            Q(published_at__isnull=True, done_at__isnull=True, created_at__lt=fresh)
            | Q(done_at__isnull=True, started_at__lt=lapsed)
            | _lost(idle=idle, now=now)
        )
        .order_by("created_at")
        .select_for_update(skip_locked=True)[:size]
    )
    published: list[str] = []
    unknown = 0
    broker_failed = False
    if rows:
        sent: list[str] = []
        try:
            # kombu's publish batch sends the batch's messages to Redis in one
            # pipeline when the block ends, instead of one round trip each.
            with app.producer_or_acquire() as producer, producer.batch():
                for row in rows:
                    task = app.tasks.get(row.task_name)
                    if task is None:
                        unknown += 1
                        logger.error("Outbox run %s: task %s is not registered here", row.task_id, row.task_name)
                        continue
                    options: dict[str, Any] = {
                        "headers": {OUTBOX_HEADER: "1"},
                        "producer": producer,
                        # Inside the batch a publish only buffers the message;
                        # the send at the end of the block is what can fail,
                        # and a failed batch waits for the next pass.
                        "retry": False,
                        # Celery's safe repr of the arguments (for logs and
                        # Flower) is a third of a publish's CPU; project tasks
                        # take keyword arguments only, plain data.
                        "argsrepr": "()",
                        "kwargsrepr": kwargs_repr(row.kwargs),
                    }
                    if row.queue:
                        options["queue"] = row.queue
                    task.apply_async(kwargs=row.kwargs, task_id=row.task_id, **options)
                    sent.append(row.task_id)
            # Only once the block has ended without error has the broker taken them.
            published = sent
        except Exception:
            # None of the batch is marked: the next pass sends all of it again,
            # and a copy of a run that the broker did take runs once anyway.
            broker_failed = True
            logger.exception("Outbox relay: the broker refused a publish; this batch's %d runs are left", len(rows))
        OutboxRun.objects.filter(task_id__in=published).update(
            published_at=now,
            # A lapsed lease is dropped, so that the copy just sent may run it
            # and the next pass does not send it again. A live one is kept: a
            # run published by the fast path and not marked (its process died
            # in between) may be running now, and the copy must wait for it.
            started_at=Case(When(started_at__lt=lapsed, then=Value(None)), default=F("started_at")),
        )
    if published:
        logger.info("Outbox relay published %d runs", len(published))
    return RelayPass(published=len(published), unknown=unknown, broker_failed=broker_failed)


class Claim(enum.Enum):
    RUN = "run"  # this copy runs it
    DONE = "done"  # a copy already succeeded: nothing to do
    BUSY = "busy"  # another copy is running it now
    UNTRACKED = "untracked"  # no outbox row (deleted after its retention)


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    # For BUSY: seconds until the other copy's lease lapses.
    wait_seconds: float = 0.0


def outbox_run_claim(*, task_id: str) -> ClaimResult:
    """Take the lease of run `task_id` for this copy, unless it is done or another copy holds it."""
    now = timezone.now()
    lapsed = now - timedelta(seconds=settings.OUTBOX_RUN_LEASE_SECONDS)
    taken = (
        OutboxRun.objects.filter(task_id=task_id, done_at__isnull=True)
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=lapsed))
        .update(started_at=now)
    )
    if taken:
        return ClaimResult(Claim.RUN)
    row = OutboxRun.objects.filter(task_id=task_id).values("done_at", "started_at").first()
    if row is None:
        return ClaimResult(Claim.UNTRACKED)
    if row["done_at"] is not None:
        return ClaimResult(Claim.DONE)
    left = (row["started_at"] - lapsed).total_seconds() if row["started_at"] else 0.0
    return ClaimResult(Claim.BUSY, wait_seconds=max(1.0, left))


def outbox_run_done(*, task_id: str) -> None:
    OutboxRun.objects.filter(task_id=task_id).update(done_at=timezone.now(), started_at=None)


def outbox_run_release(*, task_id: str, due_at: Any = None) -> None:
    """This copy ended with a retry: the next copy may run it, from `due_at` (when the retry is due) on."""
    changes: dict[str, Any] = {"started_at": None}
    if due_at is not None:
        # The retry's message is published by now; the relay counts it lost
        # only once it is due and still has not started.
        changes["published_at"] = due_at
    OutboxRun.objects.filter(task_id=task_id, done_at__isnull=True).update(**changes)


def outbox_run_delete_finished(*, older_than: timedelta) -> int:
    """Delete the runs finished (or published and never tracked further) more than `older_than` ago.

    In batches, each committed on its own (`rows_delete_in_batches`), one kind
    of run after the other, each through the index on (done_at, started_at):
    the finished runs by `done_at`, and the published ones among the few runs
    not done and not started. With nothing to delete it reads an index page or two.
    """
    cutoff = timezone.now() - older_than
    finished = OutboxRun.objects.filter(done_at__lt=cutoff)
    untracked = OutboxRun.objects.filter(done_at__isnull=True, started_at__isnull=True, published_at__lt=cutoff)
    return rows_delete_in_batches(queryset=finished) + rows_delete_in_batches(queryset=untracked)


def outbox_run_retrying(claim: Callable[[], Any]) -> Any:
    """Claim an outbox run, once more on a new connection if the database dropped the worker's idle one."""
    try:
        return claim()
    except DATABASE_ERRORS:
        if connection.in_atomic_block:
            raise
        connection.close()
    return claim()


def outbox_run_write(write: Callable[[], None], *, what: str) -> None:
    """Write an outbox run's state after its body ended, once more on a new connection if the database dropped it.

    The body's work is committed or rolled back by now, so a failed write must
    not turn its outcome into another one (a success into a failure, a retry
    into a final failure that a failure handler acts on). Left unwritten, a
    release keeps the lease until it lapses (the next copy waits for it) and
    a done mark lets a later copy run the body again.
    """
    for attempt in (1, 2):
        try:
            write()
            return
        except DATABASE_ERRORS:
            if attempt == 2 or connection.in_atomic_block:
                logger.warning("Outbox run %s not written: the database failed", what, exc_info=True)
                return
            # A connection killed under the body: the next query opens a new one.
            connection.close()
