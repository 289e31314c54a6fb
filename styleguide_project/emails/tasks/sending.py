from typing import Any

from celery import Task, shared_task
from celery.utils.log import get_task_logger
from django.conf import settings
from django.db import InterfaceError, OperationalError

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_get
from styleguide_project.tasks.base import ProjectTask
from styleguide_project.tasks.services import task_backoff_countdown

logger = get_task_logger(__name__)


def _retry_countdown(task: Task) -> float:
    return task_backoff_countdown(
        retries=task.request.retries,
        base=settings.TASK_RETRY_BACKOFF_SECONDS,
        maximum=settings.TASK_RETRY_BACKOFF_MAX_SECONDS,
    )


def _email_send_failure(
    self: Task, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
) -> None:
    email = email_get(email_id=kwargs["email_id"])
    if email is None or email.status != Email.Status.SENDING:
        return

    from styleguide_project.emails.services import email_failed

    logger.warning("Email %s failed for good after %d retries: %s", email.id, self.request.retries, exc)
    email_failed(email=email, error=f"{type(exc).__name__}: {exc}")


# The Email row records the outcome: nobody reads this task's result.
@shared_task(bind=True, base=ProjectTask, name="emails.email_send", on_failure=_email_send_failure, ignore_result=True)
def email_send(self: Task, *, email_id: int) -> None:
    from styleguide_project.emails.services import TRANSIENT_EMAIL_ERRORS, email_attempt_failed, email_send

    email = None
    try:
        email = email_get(email_id=email_id)
        if email is None:
            logger.info("Email %s no longer exists; nothing to send.", email_id)
            return
        if email.status != Email.Status.SENDING:
            logger.info("Email %s is %s, not SENDING; nothing to send.", email_id, email.status)
            return
        email_send(email=email)
    except ApplicationError as exc:
        # Its status changed under us (another delivery got there first).
        logger.info("Email %s was not sent: %s", email_id, exc.message)
    except TRANSIENT_EMAIL_ERRORS as exc:
        if self.request.retries >= settings.TASK_MAX_RETRIES:
            raise  # for good: `_email_send_failure` marks it FAILED
        countdown = _retry_countdown(self)
        logger.warning(
            "Sending email %s failed (%s: %s); retry %d of %d in %.1fs",
            email_id,
            type(exc).__name__,
            exc,
            self.request.retries + 1,
            settings.TASK_MAX_RETRIES,
            countdown,
        )
        if email is not None:
            try:
                email_attempt_failed(email=email, error=f"{type(exc).__name__}: {exc}", retry_in_seconds=countdown)
            except (OperationalError, InterfaceError):
                # The database is what failed: the retry goes ahead unrecorded.
                logger.warning("Could not record the failed attempt of email %s; retrying anyway.", email_id)
        raise self.retry(exc=exc, countdown=countdown, max_retries=settings.TASK_MAX_RETRIES) from exc


def _email_send_batch_failure(
    self: Task, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
) -> None:
    # The kwargs of the last attempt: the emails that were still not sent.
    # Those it gave up on itself are FAILED already; this catches the rest
    # (a time limit, an unexpected error).
    from styleguide_project.emails.services import email_batch_failed

    error = f"{type(exc).__name__}: {exc}"
    for email_id in email_batch_failed(errors=dict.fromkeys(kwargs["email_ids"], error)):
        logger.warning("Email %s failed for good: %s", email_id, error)


# A batch of the emails `email_send_all` queued together. The Email rows
# record the outcome: nobody reads this task's result.
@shared_task(
    bind=True,
    base=ProjectTask,
    name="emails.email_send_batch",
    on_failure=_email_send_batch_failure,
    ignore_result=True,
)
def email_send_batch(self: Task, *, email_ids: list[int]) -> None:
    from styleguide_project.emails.services import email_batch_attempt_failed, email_batch_failed, email_send_batch

    result = email_send_batch(email_ids=email_ids)
    if result.error is None:
        return
    if self.request.retries >= settings.TASK_MAX_RETRIES:
        for email_id in email_batch_failed(errors=result.retry):
            logger.warning(
                "Email %s failed for good after %d retries: %s", email_id, self.request.retries, result.retry[email_id]
            )
        raise result.error
    countdown = _retry_countdown(self)
    logger.warning(
        "Batch of %d: %d sent, %d to retry (%s); retry %d of %d in %.1fs",
        len(email_ids),
        len(result.sent),
        len(result.retry),
        result.error,
        self.request.retries + 1,
        settings.TASK_MAX_RETRIES,
        countdown,
    )
    try:
        email_batch_attempt_failed(errors=result.retry, retry_in_seconds=countdown)
    except (OperationalError, InterfaceError):
        # The database is what failed: the retry goes ahead unrecorded.
        logger.warning("Could not record the failed attempt of %d emails; retrying anyway.", len(result.retry))
    # The retry carries only the emails not sent yet.
    raise self.retry(
        kwargs={"email_ids": list(result.retry)},
        exc=result.error,
        countdown=countdown,
        max_retries=settings.TASK_MAX_RETRIES,
    ) from result.error
