from typing import Any

from celery import Task, shared_task
from celery.utils.log import get_task_logger

from styleguide_project.emails.exceptions import EmailBatchIncompleteError
from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.retry import DATABASE_ERRORS

logger = get_task_logger(__name__)


def _batch_errors(exc: BaseException | None, kwargs: dict[str, Any]) -> dict[int, str]:
    """Each email of the run that `exc` left unsent, with its error."""
    if isinstance(exc, EmailBatchIncompleteError):
        return exc.errors
    return dict.fromkeys(kwargs["email_ids"], f"{type(exc).__name__}: {exc}")


def _email_send_batch_attempt_failed(
    self: Task, *, exc: BaseException | None, kwargs: dict[str, Any], retry_in_seconds: float
) -> None:
    from styleguide_project.emails.services.failures import email_attempts_failed

    email_attempts_failed(errors=_batch_errors(exc, kwargs), retry_in_seconds=retry_in_seconds)


def _email_send_batch_failure(
    self: Task, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
) -> None:
    # Retries exhausted, a time limit or an unexpected error: the emails the
    # run had not sent fail for good (those already SENT or FAILED are left alone).
    from styleguide_project.emails.services.failures import email_attempts_failed

    for email_id in email_attempts_failed(errors=_batch_errors(exc, kwargs), retry_in_seconds=None):
        logger.warning("Email %s failed for good: %s", email_id, exc)


def _email_send_batch_replay(self: Task, *, kwargs: dict[str, Any], task_id: str) -> None:
    # The replay of a dead letter runs the batch again: the emails the failure
    # made FAILED go back to SENDING, which is what the run delivers.
    from styleguide_project.emails.services.failures import email_failed_reopen

    email_failed_reopen(email_ids=kwargs["email_ids"])


# The emails `email_send_all` queued together, delivered again as a whole on
# a retry (those already sent are skipped). The Email rows record the
# outcome: nobody reads this task's result.
@shared_task(
    bind=True,
    base=ProjectTask,
    name="emails.email_send_batch",
    autoretry_for=(EmailBatchIncompleteError, *DATABASE_ERRORS),
    on_attempt_failed=_email_send_batch_attempt_failed,
    on_failure=_email_send_batch_failure,
    on_replay=_email_send_batch_replay,
    ignore_result=True,
)
def email_send_batch(self: Task, *, email_ids: list[int]) -> None:
    from styleguide_project.emails.services.delivery import email_send_batch

    email_send_batch(email_ids=email_ids)
