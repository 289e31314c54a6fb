"""Production: secrets and hosts are required, there are no defaults to fall back on.

Start-up stops, naming the variable, on any setting that would run production
wrong without a word: SQLite instead of PostgreSQL, no broker (eager mode:
emails sent inside requests), no shared Redis cache (each process would count
throttles on its own), an email backend that does not send, or a weak secret.
`python manage.py check --deploy` reports no warning with these settings
(config/tests/test_production_settings.py runs it). The site is expected to
sit behind a TLS-terminating proxy that sets `X-Forwarded-Proto`.
"""

from django.core.exceptions import ImproperlyConfigured

from config.django.base import *  # noqa: F403
from config.env import env, env_choice, env_required, secret_problem
from config.settings.security import HSTS_MIN_SECONDS, hsts_check

DEBUG = False
SECRET_KEY = env_required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in env_required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()]

_problem = secret_problem(SECRET_KEY, min_length=50, min_unique=5)
if _problem:
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is not safe for production: {_problem}. Generate one with "
        '`python -c "from django.core.management.utils import get_random_secret_key as k; print(k())"`.'
    )

env_required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":  # noqa: F405
    raise ImproperlyConfigured(
        "DATABASE_URL must point to PostgreSQL in production (postgres://user:password@host:5432/name), not "
        f"{DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}."  # noqa: F405
    )

env_required("CELERY_BROKER_URL")
if CELERY_TASK_ALWAYS_EAGER or CELERY_BROKER_URL.startswith("memory://"):  # noqa: F405
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must name a real broker in production (redis://host:6379/1): "
        "without one, tasks run eagerly inside web requests."
    )

# Throttles, health and task locks count in Django's cache: a per-process
# cache would give each gunicorn worker its own counts.
env_required("REDIS_URL")

env_required("EMAIL_URL")
if EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend":  # noqa: F405
    raise ImproperlyConfigured(
        "EMAIL_URL must be an SMTP URL in production (smtp+tls://user:password@host:587), not "
        f"{EMAIL_BACKEND.rsplit('.', 2)[-2]}: that backend sends nothing."  # noqa: F405
    )

# Flower reads FLOWER_BASIC_AUTH itself; it starts with these settings, so a
# weak password stops it (and every other process given the same file) here.
for _credentials in env.str("FLOWER_BASIC_AUTH", default="").split(","):
    if not _credentials.strip():
        continue
    _user, _, _password = _credentials.strip().partition(":")
    _problem = secret_problem(_password, min_length=16, min_unique=5)
    if _problem:
        raise ImproperlyConfigured(
            f"FLOWER_BASIC_AUTH has a weak password for {_user!r}: {_problem}. "
            "Set user:password with a random password of 16 characters or more."
        )

# /metrics answers whoever holds METRICS_TOKEN (unset: nobody, a 404).
if METRICS_TOKEN:  # noqa: F405
    _problem = secret_problem(METRICS_TOKEN, min_length=32, min_unique=5)  # noqa: F405
    if _problem:
        raise ImproperlyConfigured(
            f"METRICS_TOKEN is not safe for production: {_problem}. Generate one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`, or leave it unset to turn /metrics off.'
        )

# HTTPS only. The proxy terminates TLS and says so in X-Forwarded-Proto; only
# trust that header when every request really comes through the proxy, which
# must overwrite whatever the client sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Off only when the proxy itself redirects HTTP to HTTPS.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The health endpoints are probed over plain HTTP from inside the network
# (the compose health check, a load balancer); they must not be redirected.
# So is /metrics, by a Prometheus on the private network (its bearer token
# then crosses that network in clear: scrape through the proxy's HTTPS if the
# network is shared).
SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^api/health/live/$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Browsers remember HSTS for this many seconds: a year, the least that
# protects a returning visitor for long and that the browsers' preload lists
# accept; 0 turns it off (while HTTPS is not yet certain on every subdomain).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=HSTS_MIN_SECONDS)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Asking browsers to hard-code the domain is hard to undo: only when said so.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
hsts_check(seconds=SECURE_HSTS_SECONDS, include_subdomains=SECURE_HSTS_INCLUDE_SUBDOMAINS, preload=SECURE_HSTS_PRELOAD)
if not SECURE_HSTS_PRELOAD:
    # Django's check asks for preload; leaving it off is the decision above, not an oversight.
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
# Comma-separated origins (https://app.example.com) allowed to POST forms with
# a CSRF token from another host; the API itself uses token authentication.
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# whitenoise serves the collected static files right after SecurityMiddleware.
MIDDLEWARE = [
    name
    for entry in MIDDLEWARE  # noqa: F405
    for name in (
        [entry, "whitenoise.middleware.WhiteNoiseMiddleware"]
        if entry == "django.middleware.security.SecurityMiddleware"
        else [entry]
    )
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per line on stdout, for the log collector.
LOG_FORMAT = env_choice("LOG_FORMAT", choices=("plain", "json"), default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
