"""Outgoing email: `EMAIL_URL` picks the backend (console in development, SMTP in production)."""

import re

import environ
from django.core.exceptions import ImproperlyConfigured

from config.env import env

# Empty counts as unset (the console), like the other URLs here.
_email = environ.Env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
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

# An address that unsubscribes whoever writes to it, offered in campaign emails'
# List-Unsubscribe header besides the link (SITE_URL), e.g. unsubscribe@mysite.org.
# Optional: mail to it must reach something that unsubscribes the sender; this
# project only names it. Empty: the header has the link alone.
EMAIL_UNSUBSCRIBE_MAILTO = env.str("EMAIL_UNSUBSCRIBE_MAILTO", default="").strip()
if EMAIL_UNSUBSCRIBE_MAILTO and not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", EMAIL_UNSUBSCRIBE_MAILTO):
    raise ImproperlyConfigured("EMAIL_UNSUBSCRIBE_MAILTO must be a plain address, e.g. unsubscribe@mysite.org.")

# Campaigns create and queue their emails this many users at a time, each
# chunk in its own transaction, with the task's progress recorded in between.
EMAIL_CAMPAIGN_CHUNK_SIZE = env.int("EMAIL_CAMPAIGN_CHUNK_SIZE", default=100)
# Seconds to wait between two chunks: bounds how fast a campaign hands emails to
# the workers and the SMTP relay (chunk size / pause = emails per second). 0: no wait.
EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS = env.float("EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS", default=0.0)

# Workers keep one SMTP connection per process across messages
# (styleguide_project/emails/connection.py). After this many idle seconds it is
# checked with NOOP before use, since servers close idle sessions.
EMAIL_CONNECTION_IDLE_CHECK_SECONDS = env.float("EMAIL_CONNECTION_IDLE_CHECK_SECONDS", default=5.0)
# A new session after this many messages: some relays cap messages per session.
EMAIL_CONNECTION_MAX_MESSAGES = env.int("EMAIL_CONNECTION_MAX_MESSAGES", default=100)
# `email_send_all` publishes one `emails.email_send_batch` message per this many
# emails: fewer broker messages and task runs, one SMTP session for each batch.
EMAIL_SEND_BATCH_SIZE = env.int("EMAIL_SEND_BATCH_SIZE", default=50)

# --- Sending rate: one budget for every worker process on every host (styleguide_project/emails/pacing.py) ---

_SEND_RATE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*/\s*(s|m|h)\s*$")
_SEND_RATE_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def env_send_rate(var: str) -> float | None:
    """Emails per second from `14/s`, `600/m` or `20000/h`; unset or empty: None (no limit)."""
    value = env.str(var, default="")
    if not value.strip():
        return None
    match = _SEND_RATE.match(value)
    if match is None or float(match[1]) <= 0:
        raise ImproperlyConfigured(
            f"{var} must be a number of emails over s, m or h, such as 14/s, 600/m or 20000/h "
            f"(empty for no limit), not {value!r}."
        )
    return float(match[1]) / _SEND_RATE_PERIODS[match[2]]


# The most emails per second every worker together hands to the SMTP server,
# as a relay's contract states it (the highest count in any one second). A
# person's email (verification, reset, notices) goes before a campaign's.
# Unset or empty: no limit, and no Redis call.
EMAIL_SEND_RATE_PER_SECOND = env_send_rate("EMAIL_SEND_RATE")
# The Redis every worker shares the rate through; REDIS_URL by default.
EMAIL_SEND_RATE_REDIS_URL = env.str("EMAIL_SEND_RATE_REDIS_URL", default="") or env.str("REDIS_URL", default="")
if EMAIL_SEND_RATE_PER_SECOND is not None and not EMAIL_SEND_RATE_REDIS_URL:
    raise ImproperlyConfigured(
        "EMAIL_SEND_RATE needs a Redis shared by every worker: set REDIS_URL or EMAIL_SEND_RATE_REDIS_URL."
    )
# The keys of the rate live under this prefix: one per deployment sharing a Redis.
EMAIL_SEND_RATE_KEY_PREFIX = env.str("EMAIL_SEND_RATE_KEY_PREFIX", default="styleguide_project:emails:rate")
# While that Redis does not answer, sending pauses (no transaction held) and
# asks again with a growing pause; after this many seconds without an answer
# the batch stops and its unsent emails stay SENDING for the task's retry.
EMAIL_SEND_RATE_REDIS_PATIENCE_SECONDS = env.float("EMAIL_SEND_RATE_REDIS_PATIENCE_SECONDS", default=30.0)
