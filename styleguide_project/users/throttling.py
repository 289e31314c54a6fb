"""The users' throttles: the budget of unsolicited emails, the password throttles, and the email change's.

The budget of unsolicited emails is one limit for every flow that emails an address on a stranger's say-so.

Registration (the verification link, or the notice that someone tried to
register a taken address), a new verification link, a password reset and an
email change all send mail to an address the caller has not proven to hold.
Each such request spends from one budget, counted twice:

- per recipient (`THROTTLE_UNSOLICITED_EMAIL_RECIPIENT_RATE`): the address in
  the form registration stores it (`user_normalize_email`: NFKC, case-folded),
  so every spelling of one address is one recipient. A `+tag` makes another
  recipient: whether a mail server delivers tags to one mailbox is its own rule;
- per client address (`THROTTLE_UNSOLICITED_EMAIL_CLIENT_RATE`, IPv6 per /64),
  whatever the recipients: a client cycling through the `+tag`s of one
  mailbox, or through many mailboxes, still spends one budget.

A request is counted when it names a valid address, at the door, before the
view looks at accounts: whether an email then goes out (an unknown address
gets no reset link; a taken one gets a notice instead of a link) changes
nothing in how the client is limited, so the limits tell nobody whether an
address has an account. A request that names no valid address is not counted
(the view refuses it with 400). The client's count comes first: a client over
its budget spends no recipient's, so one client cannot keep strangers'
addresses locked out of their own emails beyond its own budget.

When the cache cannot be reached nothing can be counted, and the request is
refused with 503 (`ThrottleUnavailable`) before the view runs, so nothing is
sent. DRF runs every throttle of a view, so the general throttles before it
(which let requests through uncounted) do not let a request past this one.

Use: a view adds `*UNSOLICITED_EMAIL_THROTTLES` to its `throttle_classes`. The
recipient is the request body's `email` field; a view names another field with
`unsolicited_email_field`, or, when the recipients are not one field (an email
change also notifies the old address), defines
`unsolicited_email_recipients(request) -> list[str]`, whose addresses (as
submitted: they are validated and normalised here) are each counted.
"""

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request

from styleguide_project.api.throttling import FixedWindowRateThrottle, client_address_key, view_handles
from styleguide_project.users.models import user_normalize_email

# The request field that holds the recipient, unless the view says otherwise.
DEFAULT_RECIPIENT_FIELD = "email"


class UnsolicitedEmailClientBudget(FixedWindowRateThrottle):
    """Unsolicited emails asked for per client address (`THROTTLE_UNSOLICITED_EMAIL_CLIENT_RATE`)."""

    scope = "unsolicited_email_client"
    fail_open = False


class UnsolicitedEmailRecipientBudget(FixedWindowRateThrottle):
    """Unsolicited emails per recipient address (`THROTTLE_UNSOLICITED_EMAIL_RECIPIENT_RATE`)."""

    scope = "unsolicited_email_recipient"
    fail_open = False


def _valid_addresses(values: Iterable[Any]) -> list[str]:
    addresses = set()
    for value in values:
        if not isinstance(value, str):
            continue
        try:
            validate_email(value.strip())
        except ValidationError:
            continue
        addresses.add(user_normalize_email(value))
    return sorted(addresses)


def unsolicited_email_recipients(request: Request, view: Any) -> list[str]:
    """The normalised, valid recipient addresses a request to `view` names (see the module's docstring)."""
    custom = getattr(view, "unsolicited_email_recipients", None)
    if custom is not None:
        return _valid_addresses(custom(request))
    field = getattr(view, "unsolicited_email_field", DEFAULT_RECIPIENT_FIELD)
    # DRF's request has the JSON body in `data`; an HTML form's Django request has `POST`.
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    return _valid_addresses([data.get(field)] if isinstance(data, Mapping) else [])


def _recipient_key(address: str) -> str:
    # Hashed: the cache holds no email addresses, and the key has a fixed length.
    return hashlib.sha256(address.encode()).hexdigest()


class UnsolicitedEmailThrottle(throttling.BaseThrottle):
    """The budget of unsolicited emails: per client address first, then per recipient (module docstring)."""

    # Read by the schema: the view can answer 503 while the cache is down.
    fail_open = False

    def __init__(self) -> None:
        self.client = UnsolicitedEmailClientBudget()
        self.recipient = UnsolicitedEmailRecipientBudget()
        self.refused_by: FixedWindowRateThrottle | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if view is not None and not view_handles(view, request.method):
            return True
        recipients = unsolicited_email_recipients(request, view)
        if not recipients:
            return True
        if not self.client.allow_ident(client_address_key(request)):
            self.refused_by = self.client
            return False
        for address in recipients:
            if not self.recipient.allow_ident(_recipient_key(address)):
                self.refused_by = self.recipient
                return False
        return True

    def wait(self) -> float | None:
        return self.refused_by.wait() if self.refused_by is not None else None


# What a view that sends unsolicited email adds to its throttle classes.
UNSOLICITED_EMAIL_THROTTLES: list[type[throttling.BaseThrottle]] = [UnsolicitedEmailThrottle]


# The password throttles. Each refuses the request with 503 when the cache
# cannot count it (`fail_open = False`): a reset request sends an email, and
# the others are password attempts, and neither may go uncounted. The HTML
# page that sets a password with a link counts in the same bucket as the API
# (`throttle_wait`).


class PasswordResetAddressRateThrottle(FixedWindowRateThrottle):
    """Reset requests per client address, whatever the email (`THROTTLE_PASSWORD_RESET_ADDRESS_RATE`)."""

    scope = "password_reset_address"
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return client_address_key(request)


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
        return client_address_key(request)


class PasswordChangeRateThrottle(FixedWindowRateThrottle):
    """Password changes per user (`THROTTLE_PASSWORD_CHANGE_RATE`): each is a guess of the current password."""

    scope = "password_change"
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return str(request.user.pk)


def throttle_wait(request: HttpRequest, throttle_classes: list[type[throttling.BaseThrottle]]) -> float | None:
    """Count a form's request in these API throttles; the seconds to wait when one is full, else None.

    For HTML pages, which must count in the same buckets as the API they
    mirror. Raises `ThrottleUnavailable` (503) when the cache cannot count.
    """
    throttles = [throttle_class() for throttle_class in throttle_classes]
    # Every throttle counts the request, as DRF's check_throttles does. These
    # read only META (the address), which Django's request has as DRF's does.
    drf_request = cast(Request, request)
    # No view: a form's request is not routed through DRF (the budget then reads the form's `email`).
    no_view = cast(Any, None)
    refused = [throttle for throttle in throttles if not throttle.allow_request(drf_request, no_view)]
    # A throttle that refuses without a wait (DRF allows None) is asked again after a second.
    waits = [throttle.wait() or 1.0 for throttle in refused]
    return max(waits) if waits else None


# The account flows' own throttles: per user, and the email change's confirmation per
# client address. Each refuses the request (503) when the cache cannot count it.


class _PerUserRateThrottle(FixedWindowRateThrottle):
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return str(request.user.pk)


class EmailChangeRateThrottle(_PerUserRateThrottle):
    """Email changes per user (`THROTTLE_EMAIL_CHANGE_RATE`): each sends two emails."""

    scope = "email_change"


class PasswordCheckRateThrottle(_PerUserRateThrottle):
    """Password checks outside login per user (`THROTTLE_PASSWORD_CHECK_RATE`): email change, deletion."""

    scope = "password_check"


class EmailChangeConfirmRateThrottle(FixedWindowRateThrottle):
    """Email-change confirmations per client address (`THROTTLE_EMAIL_CHANGE_CONFIRM_RATE`), API and page alike."""

    scope = "email_change_confirm"
    fail_open = False

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return client_address_key(request)


class UnsubscribeInvalidRateThrottle(FixedWindowRateThrottle):
    """Unsubscribe links refused as not ours, per client address (`THROTTLE_UNSUBSCRIBE_INVALID_RATE`).

    Only refused links count: a valid link is signed, so it cannot be guessed
    and needs no limit, and mail providers POST the one-click unsubscribes of
    many people from few addresses. A client that sends many invalid ones is
    probing, and is refused (429) for a while. Fails open: what it guards
    against is a scan that could not succeed anyway.
    """

    scope = "unsubscribe_invalid"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return client_address_key(request)
