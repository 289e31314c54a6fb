"""The users app's services, a module per concern:

- `accounts`: creating users, and registration, which answers alike whether or not the address is taken;
- `verification`: the signed link that verifies an address, sending it again, and the reminder to verify;
- `onboarding`: completing onboarding, and the reminder to those who have not.

The names below are the services the APIs, the admin, the tasks and other apps call.
"""

from styleguide_project.users.services.accounts import user_create, user_register
from styleguide_project.users.services.onboarding import user_complete_onboarding, user_onboarding_reminders_send
from styleguide_project.users.services.verification import (
    user_email_verification_means,
    user_email_verification_reminders_send,
    user_email_verification_resend,
    user_email_verification_send,
    user_email_verification_token_create,
    user_email_verify,
    user_email_verify_by_token,
)

__all__ = (
    "user_complete_onboarding",
    "user_create",
    "user_email_verification_means",
    "user_email_verification_reminders_send",
    "user_email_verification_resend",
    "user_email_verification_send",
    "user_email_verification_token_create",
    "user_email_verify",
    "user_email_verify_by_token",
    "user_onboarding_reminders_send",
    "user_register",
)
