from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from styleguide_project.tasks.app.base import ProjectTask


# The summary is created and queued in one transaction: a failed run leaves
# nothing behind to undo, and the email's own delivery has its failure handler.
@shared_task(base=ProjectTask, name="emails.email_failed_summary_send", needs_failure_handler=False)
def email_failed_summary_send(*, day: str | None = None) -> int | None:
    """Mail support the emails that failed on `day` (ISO date; default: yesterday in TIME_ZONE).

    Returns the id of the summary email, or None when nothing failed that day.
    `day` lets an operator run it again for a given day from the admin.
    """
    from styleguide_project.emails.services.summary import email_failed_summary_send

    summary_day = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    email = email_failed_summary_send(day=summary_day)
    return email.id if email else None
