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

from config.checks import ConfigurationRefused, production_problems
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
# Browsers remember HSTS for this many seconds: start low on a first deploy,
# raise to a year (31536000) once every subdomain is known to serve HTTPS.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Comma-separated origins (https://app.example.com) allowed to POST forms with
# a CSRF token from another host; the API itself uses token authentication.
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# whitenoise serves the collected static files right after SecurityMiddleware.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per line on stdout, for the log collector.
LOG_FORMAT = env_choice("LOG_FORMAT", choices=("plain", "json"), default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
