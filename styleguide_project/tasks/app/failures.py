"""`@mail_on_failure`: tell `SUPPORT_EMAIL` when a task fails for good."""

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar, cast

from celery.exceptions import Ignore, Reject, Retry
from django.conf import settings
from django.core.mail import EmailMessage

from styleguide_project.tasks.app.current import running_task

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# Control-flow exceptions: the task is not failing for good.
_NOT_FAILURES = (Retry, Ignore, Reject)


def mail_on_failure(func: F) -> F:
    """Mail the task's name, id, arguments and traceback to `SUPPORT_EMAIL` after its final failure.

    Goes below `@shared_task`. A retry (`self.retry()`, or an exception that
    `autoretry_for` will retry) is not a final failure and sends nothing. A
    failure to send the mail is logged and never replaces the task's error.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _NOT_FAILURES:
            raise
        except Exception as exc:
            task = running_task()
            if task is not None and not _will_be_retried(task, exc):
                _mail_failure(task=task, exc=exc)
            raise

    return cast(F, wrapper)


def _will_be_retried(task: Any, exc: Exception) -> bool:
    autoretry_for = tuple(getattr(task, "autoretry_for", ()) or ())
    if not autoretry_for or not isinstance(exc, autoretry_for):
        return False
    max_retries = task.max_retries
    return max_retries is None or task.request.retries < max_retries


def _mail_failure(*, task: Any, exc: Exception) -> None:
    request = task.request
    body = "\n".join(
        [
            f"Task: {task.name}",
            f"Id: {request.id}",
            f"Arguments: {request.args!r}",
            f"Keyword arguments: {request.kwargs!r}",
            f"Retries: {request.retries}",
            f"Worker: {request.hostname}",
            "",
            "".join(traceback.format_exception(exc)),
        ]
    )
    try:
        EmailMessage(
            subject=f"Task {task.name} failed: {type(exc).__name__}",
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[settings.SUPPORT_EMAIL],
        ).send()
    except Exception:
        logger.exception(
            "Could not mail the failure of task %s[%s] to %s", task.name, request.id, settings.SUPPORT_EMAIL
        )
