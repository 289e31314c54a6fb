"""The outbox's done-once guard: a run the outbox published runs its body once, however many copies arrive.

A run can reach the workers more than once: the relay publishes again what it
could not see published, a broker redelivers what a killed worker held. Every
copy carries the outbox header (set at publish). Before the body runs, the
copy claims the run (`outbox_run_claim`): a run already done is skipped, a run
another copy holds now is looked at again when that copy's lease lapses. The
claim is released when the copy ends with a retry (the run is due again when
the retry's countdown ends), and the run is marked done when it ends for good:
it succeeded, or it failed for good and left a dead letter (a replay is a run
of its own).

The guard is attached through Celery's public doors: `ProjectTask`'s
`before_start` hook (registered by the kit's AppConfig), the `task_success`,
`task_retry` and `task_failure` signals, and `before_task_publish` so that a
retry of a guarded run is guarded too (a worker keeps custom headers as request
attributes, and Celery's copy of the headers into a retry leaves them out).
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery.exceptions import Ignore
from celery.signals import before_task_publish, task_failure, task_retry, task_success
from django.utils import timezone

from styleguide_project.tasks.app import ProjectTask, running_task
from styleguide_project.tasks.app.retry import DATABASE_ERRORS
from styleguide_project.tasks.outbox.services.enqueue import OUTBOX_HEADER
from styleguide_project.tasks.outbox.services.runs import (
    Claim,
    outbox_run_claim,
    outbox_run_done,
    outbox_run_release,
    outbox_run_retrying,
    outbox_run_write,
)

logger = logging.getLogger(__name__)

# Set on the request of a copy that holds its run's lease, so that only that copy releases or completes it.
CLAIMED = "outbox_claimed"


def from_outbox(request: Any) -> bool:
    """Whether the run of `request` was published by the outbox."""
    return bool(getattr(request, OUTBOX_HEADER, None) or (request.headers or {}).get(OUTBOX_HEADER))


class OutboxRunGuard:
    """`ProjectTask.run_guards` member: claims an outbox run before its body runs."""

    def before_start(self, task: ProjectTask, task_id: str, args: Any, kwargs: Any) -> None:
        request = task.request
        if not from_outbox(request):
            return
        try:
            claim = outbox_run_retrying(partial(outbox_run_claim, task_id=task_id))
        except DATABASE_ERRORS as exc:
            # The body has not run: a database error here is as transient as
            # one in the body, and is retried by the same policy.
            raise task.retry(exc=exc) from exc
        if claim.claim is Claim.DONE:
            logger.info("%s[%s] already ran to the end; this copy does nothing", task.name, task_id)
            raise Ignore()
        if claim.claim is Claim.BUSY and not request.is_eager:
            # Another copy runs it now. This one comes back when that copy's
            # lease lapses, in case it dies; it will find the run done otherwise.
            logger.info("%s[%s] is running elsewhere; this copy waits %.0fs", task.name, task_id, claim.wait_seconds)
            task.apply_async(
                args=args, kwargs=kwargs, task_id=task_id, countdown=claim.wait_seconds, headers={OUTBOX_HEADER: "1"}
            )
            raise Ignore()
        setattr(request, CLAIMED, True)


outbox_run_guard = OutboxRunGuard()


def _holds_claim(task: Any) -> bool:
    return isinstance(task, ProjectTask) and bool(getattr(task.request, CLAIMED, False))


@task_success.connect(dispatch_uid="styleguide_project.tasks.outbox.guard.done")
@task_failure.connect(dispatch_uid="styleguide_project.tasks.outbox.guard.failure")
def outbox_run_mark_done(sender: Any = None, **kwargs: Any) -> None:
    # A final failure is an end too: its dead letter is what brings it back,
    # as a run of its own, and no copy of this one may run it again.
    if _holds_claim(sender):
        task_id = str(sender.request.id)
        outbox_run_write(partial(outbox_run_done, task_id=task_id), what=f"{sender.name}[{task_id}]: done mark")


@task_retry.connect(dispatch_uid="styleguide_project.tasks.outbox.guard.retry")
def outbox_run_mark_released(sender: Any = None, reason: Any = None, **kwargs: Any) -> None:
    # The retry's message is already published; what Celery records is the
    # retry, even when the database is what failed here.
    if _holds_claim(sender):
        task_id = str(sender.request.id)
        write = partial(outbox_run_release, task_id=task_id, due_at=_retry_due_at(reason))
        outbox_run_write(write, what=f"{sender.name}[{task_id}]: release")


def _retry_due_at(reason: Any) -> datetime | None:
    """When the retry's message is due: Celery's `Retry.when` is its countdown in seconds, or its ETA."""
    when = getattr(reason, "when", None)
    if isinstance(when, datetime):
        return when
    if isinstance(when, int | float):
        return timezone.now() + timedelta(seconds=float(when))
    return None


@before_task_publish.connect(dispatch_uid="styleguide_project.tasks.outbox.guard.retry_header")
def outbox_header_keep(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """A message that publishes the running outbox run again (its retry) carries the outbox header too."""
    task = running_task()
    if headers is None or task is None or task.request.called_directly:
        return
    if headers.get("id") == task.request.id and from_outbox(task.request):
        headers[OUTBOX_HEADER] = "1"
