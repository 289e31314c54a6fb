"""Outgoing email: `EMAIL_URL` picks the backend (console in development, SMTP in production)."""

from config.env import env

_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# A stuck SMTP server must not hold a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="styleguide-project@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where task failures are reported.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@localhost")

# Campaigns create and queue their emails this many users at a time, each
# chunk in its own transaction, with the task's progress recorded in between.
EMAIL_CAMPAIGN_CHUNK_SIZE = env.int("EMAIL_CAMPAIGN_CHUNK_SIZE", default=100)
# Seconds to wait between two chunks: bounds how fast a campaign hands emails to
# the workers and the SMTP relay (chunk size / pause = emails per second). 0: no wait.
EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS = env.float("EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS", default=0.0)
