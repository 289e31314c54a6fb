"""Enqueueing task runs from services, through the transactional outbox.

A service calls `task_enqueue_on_commit` inside its transaction: one
`OutboxRun` row per run is written in that same transaction, so the runs
exist exactly when the work that asked for them committed. After the commit
the runs are published at once (the fast path) and their rows marked soon
after by a thread of the process (`published_marks.py`); what
the fast path could not publish (broker down, process killed in between) the
relay publishes later (`outbox.py`). docs/reliability.md draws the life cycle.
"""

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from celery import Celery, Task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu import Connection, pools

from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.published_marks import outbox_runs_mark_published, published_marks

logger = logging.getLogger(__name__)

# The message header that tells a worker the run has an outbox row (runs sent
# by beat or by a plain `.delay()` have none, and cost no query).
OUTBOX_HEADER = "outbox"
# As long as Celery lets its own repr of a message's arguments grow (`kwargsrepr_maxsize`).
KWARGSREPR_MAX_CHARACTERS = 1024


def task_enqueue_on_commit(
    *,
    task: Task,
    kwargs_list: Iterable[Mapping[str, Any]],
    task_ids: Sequence[str] | None = None,
    queue: str | None = None,
) -> list[str]:
    """Record one run of `task` per kwargs in the current transaction, published once it commits; returns their ids.

    A rollback leaves no row and publishes nothing. All rows are written in one
    bulk insert and all messages go through one producer. A broker that is
    down does not fail the request that committed: the rows stay unpublished
    and the relay publishes them when the broker answers again.

    `task_ids`, one per kwargs, are the ids the runs will have; without them
    ids are chosen here. Either way the caller knows them before the commit
    (to record who queued a run, or to redirect to its progress page).
    `queue` overrides the task's route.
    """
    pending = [dict(kwargs) for kwargs in kwargs_list]
    ids = [str(task_id) for task_id in task_ids] if task_ids is not None else [str(uuid.uuid4()) for _ in pending]
    if len(ids) != len(pending):
        raise ValueError(f"{len(ids)} task ids for {len(pending)} runs of {task.name}.")
    if not pending:
        return []
    check_arguments = getattr(task, "check_arguments", None)
    for kwargs in pending:
        if check_arguments is not None:
            check_arguments(kwargs)
    now = timezone.now()
    OutboxRun.objects.bulk_create(
        [
            OutboxRun(task_id=task_id, task_name=task.name, kwargs=kwargs, queue=queue or "", created_at=now)
            for task_id, kwargs in zip(ids, pending, strict=True)
        ]
    )
    runs = list(zip(ids, pending, strict=True))
    transaction.on_commit(lambda: task_outbox_publish(task=task, runs=runs, queue=queue))
    return ids


def task_outbox_publish(*, task: Task, runs: Sequence[tuple[str, dict[str, Any]]], queue: str | None = None) -> int:
    """Publish these runs of `task` now (the fast path after the commit) and have their rows marked; returns how many.

    Never raises: this runs after the commit, when the caller's work is
    already saved. What could not be published stays in the outbox for the
    relay, and is logged. In eager mode each run executes here, and its
    failure is the task's own business (retries, failure handler): it does
    not stop the others.
    """
    published: list[str] = []
    if task.app.conf.task_always_eager:
        for task_id, kwargs in runs:
            try:
                task.apply_async(kwargs=kwargs, task_id=task_id, headers={OUTBOX_HEADER: "1"})
            except Exception:
                logger.exception("%s failed for %s", task.name, kwargs)
            published.append(task_id)
    else:
        # One attempt, no retries: the rows are committed, and the relay
        # publishes whatever this attempt could not.
        options: dict[str, Any] = {"headers": {OUTBOX_HEADER: "1"}, "retry": False}
        if queue:
            options["queue"] = queue
        try:
            with pools.producers[_fast_path_connection(task.app)].acquire(block=True) as producer:
                for task_id, kwargs in runs:
                    # argsrepr/kwargsrepr: Celery's safe repr of the arguments (for logs and Flower)
                    # is a large share of a publish's CPU; project tasks take plain keyword data.
                    shown: dict[str, Any] = {"argsrepr": "()", "kwargsrepr": kwargs_repr(kwargs)}
                    task.apply_async(kwargs=kwargs, task_id=task_id, producer=producer, **options, **shown)
                    published.append(task_id)
        except Exception:
            logger.exception(
                "Could not publish %s: %d of %d runs left to the outbox relay",
                task.name,
                len(runs) - len(published),
                len(runs),
            )
    if task.app.conf.task_always_eager or settings.OUTBOX_MARK_BATCH_SECONDS <= 0:
        outbox_runs_mark_published(task_ids=published)
    else:
        published_marks.add(published)
    return len(published)


def kwargs_repr(kwargs: Mapping[str, Any]) -> str:
    """The arguments as logs and Flower show them, cut at Celery's own limit for its safe repr."""
    text = repr(dict(kwargs))
    limit = KWARGSREPR_MAX_CHARACTERS
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fast_path_connection(app: Celery) -> Connection:
    """The broker as the fast path reaches it: one connection attempt, each step bounded by a short timeout.

    A request that committed must answer even when the broker's host drops
    packets (no reset, no refusal: only the timeouts end the wait), so the fast
    path gives up after OUTBOX_FAST_PATH_TIMEOUT_SECONDS per step instead of
    the broker connection's defaults and Celery's publish retries. kombu keeps
    a pool per distinct connection, so these connections are reused between
    requests and never shared with the worker's consumer.
    """
    timeout = float(settings.OUTBOX_FAST_PATH_TIMEOUT_SECONDS)
    # `max_retries` 0: kombu's connect makes one attempt.
    options: dict[str, Any] = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
    # The transport's class, not an instance: an instance sets up its own poller.
    transport = app.connection_for_write().get_transport_cls()
    if transport.driver_type == "amqp":
        # py-amqp's socket timeouts, the wait for a publisher confirm among them.
        options.update(read_timeout=timeout, write_timeout=timeout)
    else:
        options.update(socket_connect_timeout=timeout, socket_timeout=timeout)
    return app.connection_for_write(connect_timeout=timeout, transport_options=options)
