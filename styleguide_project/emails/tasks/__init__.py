from styleguide_project.emails.tasks.sending import email_send_batch
from styleguide_project.emails.tasks.status_counts import email_status_counts_fold
from styleguide_project.emails.tasks.summary import email_failed_summary_send

__all__ = (
    "email_failed_summary_send",
    "email_send_batch",
    "email_status_counts_fold",
)
