"""The budget of unsolicited emails: one limit for every flow that emails an address on a stranger's say-so.

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
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
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
    data = request.data
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
