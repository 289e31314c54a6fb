"""A dead letter for every project task that fails for good, from Celery's public signals.

Connected when Django starts (`TasksConfig.ready()`), so in the web process,
the worker and eager runs alike. `task_failure` fires once per run that fails
for good, after the task's own `on_failure` handler (retries exhausted, an
error not in `autoretry_for`, a time limit); a retry fires `task_retry`
instead and is never a dead letter. Recording never raises into Celery: a
letter that cannot be written is logged with everything it would have held.
"""

import datetime
import logging
from typing import Any

from celery.signals import task_failure, task_retry
from celery.utils.serialization import UnpickleableExceptionWrapper
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from styleguide_project.tasks.app.base import ProjectTask

logger = logging.getLogger(__name__)

FIRST_FAILURE_KEY = "styleguide_project:tasks:first_failure:{task_id}"
DEAD_LETTER_RECEIVER = "styleguide_project.tasks.dead_letter_record"


def _first_failure_ttl() -> int:
    # The longest the attempts of one run can span under ProjectTask's policy:
    # every attempt at its time limit, every wait at the backoff cap; an hour
    # more for a queue that is behind.
    attempts = settings.TASK_MAX_RETRIES + 1
    return attempts * (settings.TASK_RETRY_BACKOFF_MAX_SECONDS + settings.CELERY_TASK_TIME_LIMIT) + 3600


@task_retry.connect(dispatch_uid="styleguide_project.tasks.dead_letter_first_failure")
def dead_letter_note_first_failure(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    """Remember when a run's first attempt failed (`add` keeps the first), for its letter if it fails for good."""
    if not isinstance(sender, ProjectTask) or request is None or not request.id:
        return
    try:
        cache.add(FIRST_FAILURE_KEY.format(task_id=request.id), timezone.now().timestamp(), _first_failure_ttl())
    except Exception:
        # The cache is down: the letter will give the final failure's time instead.
        logger.warning("%s[%s]: could not note the time of the first failure", sender.name, request.id, exc_info=True)


@task_failure.connect(dispatch_uid=DEAD_LETTER_RECEIVER)
def dead_letter_on_final_failure(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    kwargs: dict[str, Any] | None = None,
    einfo: Any = None,
    **extra: Any,
) -> None:
    if not isinstance(sender, ProjectTask) or not task_id:
        return
    try:
        _record(task=sender, task_id=task_id, exception=exception, kwargs=kwargs or {}, einfo=einfo)
    except Exception:
        logger.exception(
            "Could not record the dead letter of %s[%s] (kwargs %r): %s: %s",
            sender.name,
            task_id,
            kwargs,
            _type_name(exception),
            exception,
        )


def _record(
    *, task: ProjectTask, task_id: str, exception: BaseException | None, kwargs: dict[str, Any], einfo: Any
) -> None:
    from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_record

    now = timezone.now()
    request = task.request
    # The request on the stack is this run's, except for a hard time limit,
    # which the worker's main process reports without it: retries unknown there.
    retries = (request.retries or 0) if request.id == task_id else 0
    first_failed_at = _first_failed_at(task_id=task_id) or now
    dead_letter_record(
        task_name=task.name,
        task_id=task_id,
        kwargs=kwargs,
        exception_type=_type_name(exception),
        exception_message=str(exception) if exception is not None else "",
        traceback=str(getattr(einfo, "traceback", "") or ""),
        attempts=retries + 1,
        first_failed_at=first_failed_at,
        last_failed_at=now,
        queue=_run_queue(task_id=task_id),
    )


def _run_queue(*, task_id: str) -> str:
    """The queue the run's enqueuer chose, from its outbox row ("" for the task's route, or no row)."""
    from styleguide_project.tasks.outbox.models import OutboxRun

    return OutboxRun.objects.filter(task_id=task_id).values_list("queue", flat=True).first() or ""


def _first_failed_at(*, task_id: str) -> datetime.datetime | None:
    """When the run's first attempt failed, as `task_retry` noted it; None if it never retried.

    None also when the note is gone (the cache was down or restarted, or the
    retries outlasted the key): the letter then gives the final failure's time
    as the first, the one time known for sure.
    """
    key = FIRST_FAILURE_KEY.format(task_id=task_id)
    try:
        noted = cache.get(key)
        cache.delete(key)
    except Exception:
        logger.warning("%s: could not read the time of the first failure", task_id, exc_info=True)
        return None
    return datetime.datetime.fromtimestamp(noted, tz=datetime.UTC) if noted is not None else None


def _type_name(exception: BaseException | None) -> str:
    if exception is None:
        return "unknown"
    if isinstance(exception, UnpickleableExceptionWrapper):
        # Celery's stand-in for an exception it could not serialize.
        return f"{exception.exc_module}.{exception.exc_cls_name}"
    cls = type(exception)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
