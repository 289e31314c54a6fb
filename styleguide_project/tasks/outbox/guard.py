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

The guard is attached through the doors the kit's task class and Celery
offer: it is one of `ProjectTask.run_guards` (registered by the kit's
AppConfig), and `before_task_publish` keeps the outbox header on a retry of a
guarded run (a worker keeps custom headers as request attributes, and
Celery's copy of the headers into a retry leaves them out).
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery.exceptions import Ignore, Reject, Retry
from celery.signals import before_task_publish
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


def from_outbox(request: Any) -> bool:
    """Whether the run of `request` was published by the outbox."""
    return bool(getattr(request, OUTBOX_HEADER, None) or (request.headers or {}).get(OUTBOX_HEADER))


class OutboxRunGuard:
    """`ProjectTask.run_guards` member: claims an outbox run before its body runs, and records how it ended."""

    def around(self, task: ProjectTask, body: Callable[[], Any]) -> Any:
        request = task.request
        if not from_outbox(request):
            return body()
        task_id = str(request.id)
        try:
            claim = outbox_run_retrying(partial(outbox_run_claim, task_id=task_id))
        except DATABASE_ERRORS as exc:
            # The body has not run: a database error here is as transient as
            # one in the body, and is retried by the same policy.
            raise task.retry(exc=exc) from exc
        if claim.claim is Claim.DONE:
            logger.info("%s[%s] already ran to the end; this copy does nothing", task.name, task_id)
            return None
        if claim.claim is Claim.BUSY and not request.is_eager:
            # Another copy runs it now. This one comes back when that copy's
            # lease lapses, in case it dies; it will find the run done otherwise.
            logger.info("%s[%s] is running elsewhere; this copy waits %.0fs", task.name, task_id, claim.wait_seconds)
            task.apply_async(
                args=request.args,
                kwargs=request.kwargs,
                task_id=task_id,
                countdown=claim.wait_seconds,
                headers={OUTBOX_HEADER: "1"},
            )
            return None
        what = f"{task.name}[{task_id}]"
        try:
            retval = body()
        except Retry as retry:
            # The retry's message is published by now; it is due when its countdown ends.
            release = partial(outbox_run_release, task_id=task_id, due_at=_retry_due_at(retry))
            outbox_run_write(release, what=f"{what}: release")
            raise
        except (Ignore, Reject):
            # Not an outcome of the body (the run was set aside or requeued): the next copy may run it.
            outbox_run_write(partial(outbox_run_release, task_id=task_id), what=f"{what}: release")
            raise
        except Exception:
            # A final failure is an end too: its dead letter brings it back as a
            # run of its own, and no copy of this one may run it again.
            outbox_run_write(partial(outbox_run_done, task_id=task_id), what=f"{what}: done mark")
            raise
        except BaseException:
            # A shutdown or a time limit of the process, not the body's outcome.
            outbox_run_write(partial(outbox_run_release, task_id=task_id), what=f"{what}: release")
            raise
        outbox_run_write(partial(outbox_run_done, task_id=task_id), what=f"{what}: done mark")
        return retval


outbox_run_guard = OutboxRunGuard()


def _retry_due_at(retry: Retry) -> datetime | None:
    """When the retry's message is due: Celery's `Retry.when` is its countdown in seconds, or its ETA."""
    when = retry.when
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
