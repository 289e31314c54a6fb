"""The users app's services, a module per concern:

- `accounts`: creating users, and registration, which answers alike whether or not the address is taken;
- `verification`: the signed link that verifies an address, sending it again, and the reminder to verify;
- `onboarding`: completing onboarding, and the reminder to those who have not;
- `passwords`: resetting a forgotten password by email, changing one, and the notice that it changed;
- `profile`: the fields a user owns;
- `email_change`: moving to another address, confirmed from the new mailbox;
- `deletion`: deleting an account, by its owner or for never verifying it;
- `unsubscribe`: the unsubscribe link and headers of campaign emails, and unsubscribing by that link.

The names below are the services the APIs, the admin, the tasks and other apps call.
"""

from styleguide_project.users.services.accounts import user_create, user_register
from styleguide_project.users.services.deletion import (
    user_delete,
    user_delete_by_owner,
    user_unverified_delete_expired,
)
from styleguide_project.users.services.email_change import (
    user_email_change_confirm,
    user_email_change_request,
    user_email_change_token_create,
    user_password_check,
)
from styleguide_project.users.services.onboarding import user_complete_onboarding, user_onboarding_reminders_send
from styleguide_project.users.services.passwords import (
    user_password_change,
    user_password_reset_confirm,
    user_password_reset_link,
    user_password_reset_request,
    user_password_reset_send,
)
from styleguide_project.users.services.profile import user_update
from styleguide_project.users.services.unsubscribe import (
    user_get_by_unsubscribe_token,
    user_unsubscribe,
    user_unsubscribe_headers,
    user_unsubscribe_link,
)
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
    "user_delete",
    "user_delete_by_owner",
    "user_email_change_confirm",
    "user_email_change_request",
    "user_email_change_token_create",
    "user_email_verification_means",
    "user_email_verification_reminders_send",
    "user_email_verification_resend",
    "user_email_verification_send",
    "user_email_verification_token_create",
    "user_email_verify",
    "user_email_verify_by_token",
    "user_get_by_unsubscribe_token",
    "user_onboarding_reminders_send",
    "user_password_change",
    "user_password_check",
    "user_password_reset_confirm",
    "user_password_reset_link",
    "user_password_reset_request",
    "user_password_reset_send",
    "user_register",
    "user_unsubscribe",
    "user_unsubscribe_headers",
    "user_unsubscribe_link",
    "user_unverified_delete_expired",
    "user_update",
)
