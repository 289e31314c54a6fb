from styleguide_project.emails.tasks.recovery import email_recover_stranded
from styleguide_project.emails.tasks.sending import email_send

__all__ = ("email_recover_stranded", "email_send")
