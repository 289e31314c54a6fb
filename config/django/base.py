"""Settings shared by every environment.

Nothing here is insecure by default: `DEBUG` is off, there is no secret key and
no allowed host unless the environment (or `local.py` / `test.py`) gives them.
"""

import django_stubs_ext

from config.env import APPS_DIR, BASE_DIR, env, env_database

# Lets `ModelAdmin[Model]` and friends be written with their type arguments.
django_stubs_ext.monkeypatch()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])

LOCAL_APPS = [
    "styleguide_project.core.apps.CoreConfig",
    "styleguide_project.common.apps.CommonConfig",
    "styleguide_project.api.apps.ApiConfig",
    "styleguide_project.users.apps.UsersConfig",
    "styleguide_project.authentication.apps.AuthenticationConfig",
    "styleguide_project.emails.apps.EmailsConfig",
    "styleguide_project.campaigns.apps.CampaignsConfig",
    "styleguide_project.tasks.apps.TasksConfig",
    "styleguide_project.task_progress.apps.TaskProgressConfig",
    "styleguide_project.metrics.apps.MetricsConfig",
]

THIRD_PARTY_APPS = [
    "rest_framework",
    # API tokens, stored as digests, one per login (authentication/services.py).
    "knox",
    "corsheaders",
    # Content-Security-Policy (its system checks, and `request.csp_nonce` for a page that would need one).
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "django_celery_beat",
    # Only for its static JavaScript progress bar; its URLs are not mounted
    # (they show any task to anyone), see styleguide_project/task_progress/views.py.
    "celery_progress",
]

INSTALLED_APPS = [
    # django.contrib.admin, with its login throttled like the other logins.
    "styleguide_project.authentication.apps.ThrottledAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    *THIRD_PARTY_APPS,
    *LOCAL_APPS,
]

MIDDLEWARE = [
    # First: everything after it reads the client's address in REMOTE_ADDR (TRUSTED_PROXIES).
    "styleguide_project.core.client_address.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer (config/settings/security.py).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Before anything that can answer on its own (CommonMiddleware's redirects,
    # CSRF), so that those answers carry CORS headers and preflights are
    # answered here. Production inserts whitenoise right after SecurityMiddleware;
    # static files need no CORS (CORS_URLS_REGEX is /api/ only).
    "corsheaders.middleware.CorsMiddleware",
    # Errors under /api/ that Django answers itself (an unknown URL, with DEBUG
    # too) in the API's JSON shape; inside CORS, so they carry its headers.
    "styleguide_project.core.middleware.ApiErrorsAsJsonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [APPS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Unset: a SQLite file next to manage.py, so a fresh clone runs with no server.
DATABASES = {
    "default": env_database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Seconds a process keeps its database connection between requests (and
# between tasks in a worker). A new PostgreSQL connection costs a few
# milliseconds of server CPU, about half of a cheap request (docs/benchmarks.md).
# The health check makes a process notice a connection the server dropped
# (a restart, a failover) before it uses it, instead of failing the request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.BaseUser"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Files shared by every page (the base stylesheet); apps keep theirs in <app>/static/.
STATICFILES_DIRS = [APPS_DIR / "static"]

# The HTML pages (progress pages, the campaign form) use session login; an
# anonymous visitor is sent to the login page and back. After a plain login,
# the API's documentation, which works with the session too.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "api:docs"
LOGOUT_REDIRECT_URL = "accounts:login"

# One module per concern. Star imports are the Django idiom for composing
# settings modules; each concern module only defines upper-case settings.
from config.settings.cache import *  # noqa: E402, F403
from config.settings.celery import *  # noqa: E402, F403
from config.settings.email import *  # noqa: E402, F403
from config.settings.health import *  # noqa: E402, F403
from config.settings.logging import *  # noqa: E402, F403
from config.settings.metrics import *  # noqa: E402, F403
from config.settings.outbox import *  # noqa: E402, F403
from config.settings.rest_framework import *  # noqa: E402, F403
from config.settings.security import *  # noqa: E402, F403
from config.settings.sentry import *  # noqa: E402, F403
from config.settings.users import *  # noqa: E402, F403
