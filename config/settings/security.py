"""Who may reach the site from where, and what a browser may do with its pages: the proxies we trust,
CORS, the admin's address, Content-Security-Policy, Permissions-Policy and HSTS's bounds.

Throttling and token expiry are API settings, in `rest_framework.py`.
"""

from corsheaders.defaults import default_headers
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_networks

# The networks of our own reverse proxies (comma-separated CIDRs such as
# 10.0.0.0/8 or 127.0.0.1/32). X-Forwarded-For is read only on a request whose
# peer is in one of them, and only up to the first address that is not: the
# client's address for the throttles, logs and Sentry
# (styleguide_project/core/client_address.py). Empty, the default: no proxy is
# trusted and the socket's peer is the client. Behind a proxy, leaving it empty
# puts every client in the proxy's one throttle bucket.
TRUSTED_PROXIES: list[str] = env_networks("TRUSTED_PROXIES")

# Browser origins (scheme://host[:port]) allowed to call the API from
# JavaScript. None by default: a browser on another origin gets no CORS
# header and refuses to read the answer. Clients that are not browsers (curl,
# servers, mobile apps) do not use CORS at all.
CORS_ALLOWED_ORIGINS: list[str] = env.list("CORS_ALLOWED_ORIGINS", default=[])
# Only the API answers cross-origin requests; the admin and its static files never do.
CORS_URLS_REGEX = r"^/api/.*$"
# The API authenticates with a token in the Authorization header, never a cookie,
# so cross-origin requests need no credentials (and so cannot ride a session).
CORS_ALLOW_CREDENTIALS = False
# A browser client may send an Idempotency-Key with a creating POST (api/idempotency/).
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key")
# A browser client must be able to read how long a 429 asks it to wait, and whether an answer is a replay.
CORS_EXPOSE_HEADERS = ["Retry-After", "Idempotent-Replayed"]


def _admin_url(value: str) -> str:
    path = value.strip().strip("/")
    if not path:
        raise ImproperlyConfigured("DJANGO_ADMIN_URL must be a path such as 'admin/' or 'staff-1f3c/', not empty.")
    return f"{path}/"


# Where the Django admin lives, relative to the site root. Moving it off
# `admin/` keeps it out of the way of scripts that probe the usual path; it is
# staff-only wherever it is.
ADMIN_URL = _admin_url(env.str("DJANGO_ADMIN_URL", default="admin/"))


# Content-Security-Policy on every page (django-csp): scripts, styles, fonts
# and requests from this site only, never inline. Every page keeps to it: the
# project's templates put no script or style inline (settings come in data
# attributes), the admin has none, and Swagger UI loads its set-up script and
# stylesheet as files (styleguide_project/api/urls.py). A browser refuses and
# reports whatever else a page would run, such as an injected <script>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        # Swagger UI's and the admin's stylesheets draw some icons as data: URLs.
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        # No page is shown in a frame of another site (X-Frame-Options says the same to older browsers).
        "frame-ancestors": [csp.NONE],
    },
}

# Permissions-Policy (django-permissions-policy): no page uses the devices or
# sensors below, so none of them, nor anything framed in them, may ask for one.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
