"""Password throttles: reset requests, setting a password with a reset link, and changing one.

Each refuses the request with 503 when the cache cannot count it
(`fail_open = False`): a reset request sends an email, and the others are
password attempts, and neither may go uncounted. The HTML page that sets a
password with a link counts in the same bucket as the API (`throttle_wait`).
"""

import hashlib
from typing import Any, cast

from django.http import HttpRequest
from rest_framework.request import Request

from styleguide_project.api.throttling import FixedWindowRateThrottle, client_address_key
from styleguide_project.users.models import user_normalize_email


class PasswordResetAddressRateThrottle(FixedWindowRateThrottle):
    """Reset requests per client address, whatever the email (`THROTTLE_PASSWORD_RESET_ADDRESS_RATE`)."""

    scope = "password_reset_address"
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return client_address_key(request, self)


class PasswordResetEmailRateThrottle(FixedWindowRateThrottle):
    """Reset requests per submitted email, however it is spelled (`THROTTLE_PASSWORD_RESET_EMAIL_RATE`).

    Counted whether or not the address has an account, so a 429 tells nothing about it.
    """

    scope = "password_reset_email"
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        # DRF's request has the JSON body in `data`; the HTML form's Django request has `POST`.
        data = getattr(request, "data", None)
        if data is None:
            data = request.POST
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            # Nothing to count against: the serializer refuses it, and the address throttle counted it.
            return None
        # Hashed: the cache holds no email addresses, and the key has a fixed length.
        return hashlib.sha256(user_normalize_email(email).encode()).hexdigest()


class PasswordResetConfirmRateThrottle(FixedWindowRateThrottle):
    """Attempts to set a password with a reset link, per client address (`THROTTLE_PASSWORD_RESET_CONFIRM_RATE`)."""

    scope = "password_reset_confirm"
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return client_address_key(request, self)


class PasswordChangeRateThrottle(FixedWindowRateThrottle):
    """Password changes per user (`THROTTLE_PASSWORD_CHANGE_RATE`): each is a guess of the current password."""

    scope = "password_change"
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return str(request.user.pk)


def throttle_wait(request: HttpRequest, throttle_classes: list[type[FixedWindowRateThrottle]]) -> float | None:
    """Count a form's request in these API throttles; the seconds to wait when one is full, else None.

    For HTML pages, which must count in the same buckets as the API they
    mirror. Raises `ThrottleUnavailable` (503) when the cache cannot count.
    """
    throttles = [throttle_class() for throttle_class in throttle_classes]
    # Every throttle counts the request, as DRF's check_throttles does. These
    # read only META (the address), which Django's request has as DRF's does.
    drf_request = cast(Request, request)
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(drf_request, None)]
    return max(waits) if waits else None
