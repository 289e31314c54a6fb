import smtplib
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

# Errors that may heal by themselves: the SMTP server or the network, or the
# database connection. Anything else is a bug or bad data, and retrying it
# would only delay the failure.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, OperationalError, InterfaceError)


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
    from styleguide_project.emails.services import email_attempt_failed, email_send

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
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= settings.TASK_MAX_RETRIES:
            raise  # for good: `_email_send_failure` marks it FAILED
        countdown = task_backoff_countdown(
            retries=self.request.retries,
            base=settings.TASK_RETRY_BACKOFF_SECONDS,
            maximum=settings.TASK_RETRY_BACKOFF_MAX_SECONDS,
        )
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
