from celery import shared_task

from styleguide_project.tasks.app.base import ProjectTask


# A failed fold loses nothing: the rows stay and the next run folds them.
@shared_task(base=ProjectTask, name="emails.email_status_counts_fold", needs_failure_handler=False)
def email_status_counts_fold() -> int:
    """Fold the email status changes of the last minutes into one row per status; returns how many rows went."""
    from styleguide_project.emails.services.status_counts import email_status_counts_fold

    return email_status_counts_fold()
