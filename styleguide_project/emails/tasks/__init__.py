from styleguide_project.emails.tasks.recovery import email_recover_stranded
from styleguide_project.emails.tasks.sending import email_send_batch
from styleguide_project.emails.tasks.summary import email_failed_summary_send

__all__ = (
    "email_failed_summary_send",
    "email_recover_stranded",
    "email_send_batch",
)
