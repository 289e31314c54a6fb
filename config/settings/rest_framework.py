"""Django REST framework, its throttling and token lifetime, and its OpenAPI schema."""

import re
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.env import env

# DRF's rate syntax: "<count>/<period>", the period read from its first letter.
_RATE = re.compile(r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(var: str, *, default: str) -> str:
    """A throttle rate such as `10/minute`; a malformed one stops start-up, not every request."""
    value = env.str(var, default=default).strip()
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{var} must be a rate such as 10/minute (<count>/<second|minute|hour|day>).")
    return value


# The client address is decided once, from TRUSTED_PROXIES (security.py), by
# ClientAddressMiddleware; the old per-count setting of proxies would trust a
# header that any client reaching the port directly can write.
if env.int("NUM_PROXIES", default=0):
    raise ImproperlyConfigured(
        "NUM_PROXIES is no longer read: set TRUSTED_PROXIES to your proxies' networks (such as 127.0.0.1/32) instead."
    )

# Counted per client address (anonymous), per user (logged in), for login
# both per submitted email and per address, and for unsolicited emails both
# per recipient and per address, in Django's cache. README's "Every limit"
# lists them all.
THROTTLE_RATES = {
    "anon": env_rate("THROTTLE_ANON_RATE", default="100/hour"),
    "user": env_rate("THROTTLE_USER_RATE", default="1000/hour"),
    "login_email": env_rate("THROTTLE_LOGIN_EMAIL_RATE", default="10/hour"),
    "login_address": env_rate("THROTTLE_LOGIN_ADDRESS_RATE", default="30/hour"),
    # Each one sends an email, so it is counted on its own, per user.
    "email_verification_resend": env_rate("THROTTLE_EMAIL_VERIFICATION_RESEND_RATE", default="3/hour"),
    # The budget of unsolicited emails (registration, verification links, resets, email changes; users/throttling.py),
    # per recipient address however it is spelled, and per client address whatever the recipients. Tighter than
    # django-allauth's defaults: 1 confirmation per 3 minutes and 5 resets a minute per address, 20 signups and 20
    # resets a minute per client address.
    "unsolicited_email_recipient": env_rate("THROTTLE_UNSOLICITED_EMAIL_RECIPIENT_RATE", default="5/hour"),
    "unsolicited_email_client": env_rate("THROTTLE_UNSOLICITED_EMAIL_CLIENT_RATE", default="10/hour"),
    # A reset request may send an email: per client address and per submitted
    # address, refused (503) when the cache cannot count.
    "password_reset_address": env_rate("THROTTLE_PASSWORD_RESET_ADDRESS_RATE", default="10/hour"),
    "password_reset_email": env_rate("THROTTLE_PASSWORD_RESET_EMAIL_RATE", default="3/hour"),
    # Setting a password with a reset link, per client address, API and page alike.
    "password_reset_confirm": env_rate("THROTTLE_PASSWORD_RESET_CONFIRM_RATE", default="20/hour"),
    # Each change is a guess of the current password, per user.
    "password_change": env_rate("THROTTLE_PASSWORD_CHANGE_RATE", default="10/hour"),
    # Email changes per user: each one sends an email to the new address and one to the old.
    "email_change": env_rate("THROTTLE_EMAIL_CHANGE_RATE", default="3/hour"),
    # Confirmations of an email change per client address (API and page): a
    # token cannot be guessed, but a client trying many is stopped.
    "email_change_confirm": env_rate("THROTTLE_EMAIL_CHANGE_CONFIRM_RATE", default="30/hour"),
    # Password checks outside login (email change, deletion) per user: the
    # password of a stolen token must not be guessable through them.
    "password_check": env_rate("THROTTLE_PASSWORD_CHECK_RATE", default="10/hour"),
    # Unsubscribe links refused as invalid (tampered, cut short), per client address; valid ones are not counted.
    "unsubscribe_invalid": env_rate("THROTTLE_UNSUBSCRIBE_INVALID_RATE", default="30/hour"),
    # GET /metrics, per address: a Prometheus scraping every 15 s asks 240 times an hour.
    "metrics": env_rate("THROTTLE_METRICS_RATE", default="1000/hour"),
}

# An address an account logged in from successfully is not held up by that
# account's login_email count for this many days (authentication/throttling.py).
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
if LOGIN_KNOWN_ADDRESS_DAYS < 0:
    raise ImproperlyConfigured("LOGIN_KNOWN_ADDRESS_DAYS must be 0 or more.")

# An API token stops working this many hours after it was issued; logging in
# again after that issues a new one.
AUTH_TOKEN_MAX_AGE_HOURS = env.int("AUTH_TOKEN_MAX_AGE_HOURS", default=7 * 24)
if AUTH_TOKEN_MAX_AGE_HOURS < 1:
    raise ImproperlyConfigured("AUTH_TOKEN_MAX_AGE_HOURS must be 1 or more.")

# A user's tokens beyond this many (one per device or login) are deleted at
# login, oldest first, so that forgotten tokens do not pile up.
AUTH_TOKEN_LIMIT_PER_USER = env.int("AUTH_TOKEN_LIMIT_PER_USER", default=20)
if AUTH_TOKEN_LIMIT_PER_USER < 1:
    raise ImproperlyConfigured("AUTH_TOKEN_LIMIT_PER_USER must be 1 or more.")

# An `Idempotency-Key` (api/idempotency.py) answers a retry with the first answer for this many hours; after
# that the periodic clean-up deletes it and the same key starts a new request.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
if IDEMPOTENCY_KEY_TTL_HOURS < 1:
    raise ImproperlyConfigured("IDEMPOTENCY_KEY_TTL_HOURS must be 1 or more.")

# django-rest-knox: tokens stored as digests, sent as `Authorization: Bearer <token>` or
# `Authorization: Token <token>` (authentication/token_auth.py).
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=AUTH_TOKEN_MAX_AGE_HOURS),
    # A token's age is never extended: one that leaked stops working on schedule.
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with WWW-Authenticate.
        "styleguide_project.authentication.token_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["styleguide_project.api.parsers.JSONParser"],
    # DRF's own two, the browsable API's page kept to the Content-Security-Policy.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "styleguide_project.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "styleguide_project.api.throttling.AnonRateThrottle",
        "styleguide_project.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # DRF's own get_ident() then reads REMOTE_ADDR, which ClientAddressMiddleware has set, never the header.
    "NUM_PROXIES": 0,
    "EXCEPTION_HANDLER": "styleguide_project.core.exception_handlers.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "styleguide_project.api.schemas.AutoSchema",
    # The project's pagination, also for the task kit's APIs, which reach it
    # here because the kit imports no app (`api` included).
    "DEFAULT_PAGINATION_CLASS": "styleguide_project.api.pagination.LimitOffsetPagination",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "styleguide_project API",
    "DESCRIPTION": "Users, onboarding and emails; every email leaves from a Celery worker.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One tag per app (AutoSchema gives each operation its app's), in the order a client meets them: Swagger UI
    # shows a group per tag, in this order, with its description; a test keeps the list equal to the apps'.
    "TAGS": [
        {"name": "api", "description": "The API's root and its health reports."},
        {"name": "authentication", "description": "Token login and logout."},
        {"name": "users", "description": "Registration, the caller's account, email verification, onboarding."},
        {"name": "emails", "description": "Staff: the emails, sending and retrying them."},
        {"name": "campaigns", "description": "Staff: an email to every verified user, sent in the background."},
        {"name": "task_progress", "description": "The state and progress of a background task run."},
        {"name": "tasks", "description": "Staff: dead letters, the runs that failed for good, and replaying them."},
    ],
    # One name per choice set that appears under a `status` field; a query parameter with the same choices
    # refers to the same enum (parameter_enums_as_refs).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "styleguide_project.api.schemas.parameter_enums_as_refs",
        "styleguide_project.api.schemas.one_of_bodies_required",
    ],
    "ENUM_NAME_OVERRIDES": {
        "EmailStatusEnum": "styleguide_project.emails.models.Email.Status",
        "EmailSendableStatusEnum": [("READY", "READY"), ("FAILED", "FAILED")],
        "EmailCampaignStatusEnum": "styleguide_project.campaigns.models.EmailCampaign.Status",
        "EmailCampaignProgressStateEnum": "styleguide_project.campaigns.selectors.EmailCampaignProgressState",
    },
}
