"""Login throttles: one per submitted email (password guessing against one account) and one per
client address (credential stuffing: many accounts from one machine). Both count every attempt,
successful or not, before the credentials are checked.

Every login path counts in the same buckets: the API login (`AuthLoginApi`'s
throttle classes), the session login form and the admin login
(`ThrottledAuthenticationFormMixin`). A lock on one path is a lock on all.

A stranger who knows an email could keep its owner locked out for as long as
they keep guessing. The bound: an address the owner has logged in from
successfully in the last `LOGIN_KNOWN_ADDRESS_DAYS` is not held up by that
email's count (only by its own address count), so the owner's usual machines
still get in while the account is under attack.

When the cache cannot be reached, nothing can be counted, so every login
path refuses the attempt with 503 and `Retry-After` until it answers again
(`fail_open = False`).
"""

import hashlib
import logging
import math
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.request import Request

from styleguide_project.api.throttling import FixedWindowRateThrottle, ThrottleUnavailable, client_address_key
from styleguide_project.core.cache import CACHE_ERRORS
from styleguide_project.users.models import user_normalize_email

logger = logging.getLogger(__name__)


def _submitted_email(request: Any) -> str | None:
    data = getattr(request, "data", None)
    if data is not None:
        # DRF's request: the API login's JSON body.
        email = data.get("email") if isinstance(data, dict) else None
    else:
        # Django's AuthenticationForm, used by the session and admin logins, names it "username".
        email = request.POST.get("username")
    if not isinstance(email, str) or not email.strip():
        return None
    return user_normalize_email(email)


def _known_address_key(*, email: str, address: str) -> str:
    digest = hashlib.sha256(f"{email}|{address}".encode()).hexdigest()
    return f"login_known_address:{digest}"


class LoginEmailRateThrottle(FixedWindowRateThrottle):
    """Login attempts per submitted email, however it is spelled (`THROTTLE_LOGIN_EMAIL_RATE`)."""

    scope = "login_email"
    fail_open = False

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        email = _submitted_email(request)
        if email is None:
            # Nothing to count against; the address throttle still counts it,
            # and the serializer refuses it.
            return None
        try:
            known = cache.get(_known_address_key(email=email, address=client_address_key(request)))
        except CACHE_ERRORS:
            # Counting will fail the same way and refuse the attempt.
            known = None
        if known:
            # The owner's own machine: see the module's docstring.
            return None
        # Hashed: the cache holds no email addresses, and the key has a fixed length.
        return hashlib.sha256(email.encode()).hexdigest()


class LoginAddressRateThrottle(FixedWindowRateThrottle):
    """Login attempts per client address, whatever the email (`THROTTLE_LOGIN_ADDRESS_RATE`)."""

    scope = "login_address"
    fail_open = False

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return client_address_key(request)


def login_throttle_wait(request: HttpRequest) -> float | None:
    """Counts a login attempt in both buckets; the seconds to wait when either is full, else None."""
    throttles = [LoginEmailRateThrottle(), LoginAddressRateThrottle()]
    # Every throttle counts the attempt, as DRF's check_throttles does.
    # They read only META (and POST, for the email), which Django's request has as DRF's does.
    drf_request = cast(Request, request)
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(drf_request, None)]
    return max(waits) if waits else None


def login_address_remember(*, request: HttpRequest, email: str) -> None:
    """Record that `email` logged in successfully from this request's address."""
    address = client_address_key(request)
    timeout = settings.LOGIN_KNOWN_ADDRESS_DAYS * 24 * 3600
    try:
        cache.set(_known_address_key(email=user_normalize_email(email), address=address), 1, timeout=timeout)
    except CACHE_ERRORS:
        # The login itself succeeded; only the "known machine" shortcut is not recorded this time.
        logger.warning("Login: the cache is not answering; the address is not remembered", exc_info=True)


LOGIN_THROTTLED_MESSAGE = "Too many login attempts. Try again in {minutes} minute(s)."
LOGIN_UNAVAILABLE_MESSAGE = "Sign-in is unavailable for a moment. Try again shortly."


class ThrottledAuthenticationFormMixin(forms.Form):
    """For Django's AuthenticationForm: counts the attempt in the login buckets before the credentials.

    A throttled attempt never reaches `authenticate()`, so the right password
    is refused like a wrong one. The status and wait are left on the request
    (`login_refused`) for the view to answer 429 or 503 with `Retry-After`.
    """

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        request = self.request
        if request is not None:
            try:
                wait = login_throttle_wait(request)
            except ThrottleUnavailable as exc:
                request.login_refused = (exc.status_code, exc.wait)  # type: ignore[attr-defined]
                raise forms.ValidationError(LOGIN_UNAVAILABLE_MESSAGE, code="unavailable") from None
            if wait is not None:
                request.login_refused = (429, wait)  # type: ignore[attr-defined]
                raise forms.ValidationError(
                    LOGIN_THROTTLED_MESSAGE.format(minutes=math.ceil(wait / 60)), code="throttled"
                )
        cleaned: dict[str, Any] = super().clean() or {}
        return cleaned


def login_throttled_response(request: HttpRequest, response: Any) -> Any:
    """`response` as a 429 (throttled) or 503 (cache unreachable) with `Retry-After` when the form refused."""
    refused = getattr(request, "login_refused", None)
    if refused is not None:
        status_code, wait = refused
        response.status_code = status_code
        response["Retry-After"] = str(math.ceil(wait))
    return response
