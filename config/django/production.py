"""Production: secrets and hosts are required, there are no defaults to fall back on.

Start-up stops, naming every variable to fix in one message, on any setting
that would run production wrong without a word: SQLite instead of PostgreSQL,
no broker (eager mode: emails sent inside requests), no shared Redis cache
(each process would count throttles on its own), an email backend that does
not send, an empty sender address, a placeholder or a weak secret.
`python manage.py check --deploy` reports no warning with these settings
(config/tests/test_production_settings.py runs it). The site is expected to
sit behind a TLS-terminating proxy that sets `X-Forwarded-Proto`.
"""

from config.checks import HSTS_MIN_SECONDS, ConfigurationRefused, production_problems
from config.django.base import *  # noqa: F403
from config.env import env, env_choice

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="").strip()
ALLOWED_HOSTS = [host.strip() for host in env.str("DJANGO_ALLOWED_HOSTS", default="").split(",") if host.strip()]

# Every missing, placeholder or unsafe variable at once (config/checks.py has
# the rules), so that one start names everything there is to fix.
_problems = production_problems(env, globals())
if _problems:
    raise ConfigurationRefused(_problems, settings_module=__name__)

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
# accept; 0 turns it off (config/checks.py refuses anything in between).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=HSTS_MIN_SECONDS)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Asking browsers to hard-code the domain is hard to undo: only when said so.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
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
