"""Request throttles: counts in Django's cache (Redis when `REDIS_URL` is set), rates from settings.

DRF's own `SimpleRateThrottle` reads a list of timestamps from the cache,
edits it and writes it back, so concurrent requests overwrite each other's
writes and all pass together (encode/django-rest-framework#5181): exactly what
a brute-force script does. The throttles here count in fixed windows with the
cache's atomic `add` and `incr` instead, so N parallel requests are N counts.
The price of fixed windows: a client can fit up to twice the rate around a
window boundary.

A throttled request gets 429 with `Retry-After` (DRF sets it from `wait()`)
and `{"message", "extra": {"wait_seconds"}}` from the exception handler.

Only requests that reach their view with a method it handles are counted:
DRF refuses authentication and permission before it throttles, and a method
the view does not handle (405) is let through uncounted.

When the cache cannot be reached, a throttle cannot count. Most throttles
then let the request through (it must not fail because a counter is down);
the login throttles and the budget of unsolicited emails
(users/throttling.py) refuse it with 503 instead (`fail_open = False`): an
attempt nobody can count is a password guess, or an email to a stranger,
nobody can limit.
"""

import hashlib
import ipaddress
import logging
import math
from typing import Any, cast

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework import exceptions, status, throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from styleguide_project.core.cache import CACHE_ERRORS
from styleguide_project.core.client_address import client_address

logger = logging.getLogger(__name__)

# How long a client refused for an unreachable cache is asked to wait.
CACHE_UNAVAILABLE_RETRY_SECONDS = 30


class ThrottleUnavailable(exceptions.APIException):
    """A throttle that must count could not reach the cache: 503, try again shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "This is unavailable for a moment. Try again shortly."
    default_code = "throttle_unavailable"

    def __init__(self) -> None:
        super().__init__()
        # Read by DRF's handler for Retry-After, and by ours for extra.wait_seconds.
        self.wait = CACHE_UNAVAILABLE_RETRY_SECONDS


class FixedWindowRateThrottle(throttling.SimpleRateThrottle):
    """Counts requests per `get_cache_key()` in windows of the rate's period.

    Subclasses set `scope` (the key in `DEFAULT_THROTTLE_RATES`) and
    implement `get_cache_key()`; returning None leaves a request uncounted.
    """

    cache = cache
    # False: refuse the request (503) when the cache cannot count it.
    fail_open = True

    def __init__(self) -> None:
        # A throttle is made per request, so the rate is read per request.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.wait_seconds = 0.0

    def get_rate(self) -> str | None:
        # `SimpleRateThrottle.THROTTLE_RATES` is bound when DRF is imported, so
        # a changed setting (a test's override) would never reach it;
        # `api_settings` is reloaded whenever REST_FRAMEWORK changes.
        rates: dict[str, str | None] = cast(Any, api_settings).DEFAULT_THROTTLE_RATES
        if self.scope is None or self.scope not in rates:
            raise ImproperlyConfigured(f"No rate for the throttle scope {self.scope!r} in DEFAULT_THROTTLE_RATES.")
        return rates[self.scope]

    def allow_request(self, request: Request, view: Any) -> bool:
        limit, duration = self.num_requests, self.duration
        if limit is None or duration is None:
            return True
        if view is not None and not view_handles(view, request.method):
            # DRF checks throttles before it looks for the method's handler:
            # a request the view answers with 405 would spend the budget of
            # the requests it does handle (a client probing methods would use
            # up the verification emails it may ask for).
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        return self.allow_ident(ident)

    def allow_ident(self, ident: str) -> bool:
        """Counts one request against `ident` in this scope; False once its window is full.

        While the cache cannot count, True when `fail_open`, else `ThrottleUnavailable`.
        """
        limit, duration = self.num_requests, self.duration
        if limit is None or duration is None:
            return True
        now = self.timer()
        window = int(now // duration)
        self.wait_seconds = (window + 1) * duration - now
        # The window number is part of the key, so a key never needs resetting:
        # it lapses after its window and the next window starts at zero.
        key = f"throttle:{self.scope}:{ident}:{window}"
        try:
            count = self._count(key, duration)
        except CACHE_ERRORS:
            logger.warning("Throttle %r cannot reach the cache", self.scope, exc_info=True)
            if self.fail_open:
                return True
            raise ThrottleUnavailable from None
        return count <= limit

    def _count(self, key: str, duration: int) -> int:
        if self.cache.add(key, 1, timeout=duration):
            return 1
        try:
            return int(self.cache.incr(key))
        except ValueError:
            # It lapsed between `add` and `incr`: this request starts a new count.
            self.cache.add(key, 1, timeout=duration)
            return 1

    def wait(self) -> float:
        # At least one second: DRF sends no Retry-After for a wait of zero.
        return max(1.0, math.ceil(self.wait_seconds))


def view_handles(view: Any, method: str | None) -> bool:
    """The view has a handler for `method`, as DRF's `dispatch` looks it up (anything else is a 405)."""
    name = (method or "").lower()
    return name in getattr(view, "http_method_names", ()) and hasattr(view, name)


def client_address_key(request: Request | HttpRequest) -> str:
    """The client's address as a throttle key; an IPv6 client is its /64 network.

    One IPv6 subscriber usually holds a whole /64, so counting single IPv6
    addresses would give one client billions of buckets. The address comes
    from `client_address()`, which reads X-Forwarded-For only from the proxies
    of `TRUSTED_PROXIES`.
    """
    ident = client_address(request) or ""
    try:
        address = ipaddress.ip_address(ident)
    except ValueError:
        # Not an address (a malformed forwarded header): still one bucket, but
        # hashed, so that no client-written text ends up in a cache key.
        return "raw-" + hashlib.sha256(ident.encode()).hexdigest()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # ::ffff:192.0.2.1 is an IPv4 client seen through a dual-stack socket: its own bucket, not a /64's.
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class AnonRateThrottle(FixedWindowRateThrottle):
    """Requests without a logged-in user, per client address (`THROTTLE_ANON_RATE`)."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return client_address_key(request)


class UserRateThrottle(FixedWindowRateThrottle):
    """Requests of a logged-in user, per user whatever the address (`THROTTLE_USER_RATE`)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return str(request.user.pk)
