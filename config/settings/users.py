"""Users: the onboarding reminder, email verification, password reset, links in emails, and unverified expiry."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

# A user who registered this many hours ago and has not completed onboarding
# gets one reminder email (the daily `users.user_onboarding_reminders_send`).
ONBOARDING_REMINDER_AFTER_HOURS = env.int("ONBOARDING_REMINDER_AFTER_HOURS", default=48)
if ONBOARDING_REMINDER_AFTER_HOURS < 1:
    raise ImproperlyConfigured("ONBOARDING_REMINDER_AFTER_HOURS must be 1 or more.")

# A verification link works for this many hours after it was sent (and once).
EMAIL_VERIFICATION_MAX_AGE_HOURS = env.int("EMAIL_VERIFICATION_MAX_AGE_HOURS", default=72)
if EMAIL_VERIFICATION_MAX_AGE_HOURS < 1:
    raise ImproperlyConfigured("EMAIL_VERIFICATION_MAX_AGE_HOURS must be 1 or more.")

# A user who registered this many hours ago and has not verified the address
# gets one reminder with a fresh link (the daily
# `users.user_email_verification_reminders_send`).
EMAIL_VERIFICATION_REMINDER_AFTER_HOURS = env.int("EMAIL_VERIFICATION_REMINDER_AFTER_HOURS", default=24)
if EMAIL_VERIFICATION_REMINDER_AFTER_HOURS < 1:
    raise ImproperlyConfigured("EMAIL_VERIFICATION_REMINDER_AFTER_HOURS must be 1 or more.")

# The page of the client application that verifies an address: it receives the
# token in place of `{token}` and sends it to POST /api/users/me/email/verify/.
# Empty: the email gives the token itself, to paste into the application.
EMAIL_VERIFICATION_URL = env.str("EMAIL_VERIFICATION_URL", default="")
if EMAIL_VERIFICATION_URL and (
    "{token}" not in EMAIL_VERIFICATION_URL or not EMAIL_VERIFICATION_URL.startswith(("https://", "http://"))
):
    raise ImproperlyConfigured(
        "EMAIL_VERIFICATION_URL must be an http(s) URL containing {token}, "
        "e.g. https://app.example.com/verify-email?token={token}."
    )

# A password reset link works for this many seconds (Django's own setting, read
# by its PasswordResetTokenGenerator), and once: the new password kills it.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
if PASSWORD_RESET_TIMEOUT < 60:
    raise ImproperlyConfigured("PASSWORD_RESET_TIMEOUT must be 60 (seconds) or more.")

# The client application (a single-page app) that people open links from
# emails in, if there is one (README, "Links in emails"). Set: a password reset
# link opens `<FRONTEND_URL>/password/reset/<token>`, an email-change link
# `<FRONTEND_URL>/email/confirm?token=<token>` (a route that shows a confirm
# button and sends the token to POST /api/users/email/confirm/). Empty: links
# open this project's own minimal pages.
FRONTEND_URL = env.str("FRONTEND_URL", default="").rstrip("/")
if FRONTEND_URL and not FRONTEND_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("FRONTEND_URL must be an http(s) URL, e.g. https://app.mysite.org.")

# This server's public address (scheme and host, e.g. https://api.mysite.org),
# for links that must reach this server itself even when FRONTEND_URL is set,
# in emails built without a request at hand: the unsubscribe link of a
# campaign email, which mail providers POST to (List-Unsubscribe, RFC 8058).
# Empty: campaign emails carry no unsubscribe link (only the mailto address of
# EMAIL_UNSUBSCRIBE_MAILTO, if set). Production requires https.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
if SITE_URL and (not SITE_URL.startswith(("https://", "http://")) or SITE_URL.count("/") > 2):
    raise ImproperlyConfigured("SITE_URL must be an http(s) address without a path, e.g. https://api.mysite.org.")

# An account whose address is still unverified this many days after
# registration, and whose reminder to verify has expired unused, is deleted
# (the daily `users.user_unverified_delete_expired`).
USER_UNVERIFIED_DELETE_AFTER_DAYS = env.int("USER_UNVERIFIED_DELETE_AFTER_DAYS", default=7)
if USER_UNVERIFIED_DELETE_AFTER_DAYS < 1:
    raise ImproperlyConfigured("USER_UNVERIFIED_DELETE_AFTER_DAYS must be 1 or more.")
