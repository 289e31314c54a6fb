"""Development on one machine: `make run`, `manage.py` and `celery` default here.

Debug is on and the secret key is a fixed, public, development-only value; the
environment can still override both. Never used in production, which sets
`DJANGO_SETTINGS_MODULE=config.django.production`.
"""

from config.django.base import *  # noqa: F403
from config.env import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Empty (as in .env.example) counts as unset.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or "django-insecure-local-development-only"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# Without a broker, tasks run eagerly: the normal way to develop here.
HEALTH_EAGER_IS_OK = True

# Without a client application of its own, the verification link leads to the development page that verifies
# with one click (DEBUG only, config/urls.py), so a newcomer clicks it in the inbox at /dev/inbox/. DEV_SITE_URL
# is where `make run` serves (it sets it from HOST and PORT).
from config.settings.users import EMAIL_VERIFICATION_URL  # noqa: E402 - the value base.py took, named

if DEBUG and not EMAIL_VERIFICATION_URL:
    _site = env.str("DEV_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
    EMAIL_VERIFICATION_URL = f"{_site}/dev/verify-email/?token={{token}}"

# The unsubscribe link of campaign emails leads to this server too, so that it works from the development inbox.
from config.settings.users import SITE_URL  # noqa: E402 - the value base.py took, named

if DEBUG and not SITE_URL:
    SITE_URL = env.str("DEV_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
