"""The plain styleguide `email_send` task, for the benchmarks' comparison.

A worker loads it with `celery worker --include bench.plain.tasks`. Written
as the seed shows it: a plain `Task` (not the project's `ProjectTask`), its
result stored, a fixed 5-second retry, a `_email_send_failure` handler.
"""

from typing import Any

from celery import Task, shared_task
from celery.utils.log import get_task_logger

from styleguide_project.emails.models import Email

logger = get_task_logger(__name__)


def _email_send_failure(
    self: Task, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
) -> None:
    from styleguide_project.emails.services.failures import email_attempts_failed

    email_attempts_failed(errors={args[0]: str(exc)}, retry_in_seconds=None)


@shared_task(bind=True, base=Task, name="bench.plain.email_send", on_failure=_email_send_failure)
def email_send(self: Task, email_id: int) -> None:
    email = Email.objects.get(id=email_id)

    from bench.plain.emails import email_send

    try:
        email_send(email)
    except Exception as exc:  # noqa: BLE001 - as the seed writes it
        logger.warning(f"Exception occurred while sending email: {exc}")
        self.retry(exc=exc, countdown=5)
