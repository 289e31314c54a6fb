"""Users: the onboarding reminder."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

# A user who registered this many hours ago and has not completed onboarding
# gets one reminder email (the daily `users.user_onboarding_reminders_send`).
ONBOARDING_REMINDER_AFTER_HOURS = env.int("ONBOARDING_REMINDER_AFTER_HOURS", default=48)
if ONBOARDING_REMINDER_AFTER_HOURS < 1:
    raise ImproperlyConfigured("ONBOARDING_REMINDER_AFTER_HOURS must be 1 or more.")
