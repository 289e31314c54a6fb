from styleguide_project.users.tasks.expiry import user_unverified_delete_expired
from styleguide_project.users.tasks.onboarding import user_onboarding_reminders_send
from styleguide_project.users.tasks.passwords import user_password_reset_send
from styleguide_project.users.tasks.verification import user_email_verification_reminders_send

__all__ = (
    "user_email_verification_reminders_send",
    "user_onboarding_reminders_send",
    "user_password_reset_send",
    "user_unverified_delete_expired",
)
