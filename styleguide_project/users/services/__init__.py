"""The users app's services, a module per concern:

- `accounts`: creating users, and registration, which answers alike whether or not the address is taken;
- `onboarding`: completing onboarding, and the reminder to those who have not.

The names below are the services the APIs, the admin, the tasks and other apps call.
"""

from styleguide_project.users.services.accounts import user_create, user_register
from styleguide_project.users.services.onboarding import user_complete_onboarding, user_onboarding_reminders_send

__all__ = (
    "user_complete_onboarding",
    "user_create",
    "user_onboarding_reminders_send",
    "user_register",
)
