from styleguide_project.emails.tasks.sending import email_send

__all__ = ("email_send",)
