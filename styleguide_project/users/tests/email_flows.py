"""Every flow that emails an address on a stranger's say-so, as one table for the budget's tests.

Each row asks for one email to `address` (as spelled) from the client address
`client_ip`. The bombing tests (unit and integration) and the cache-down
tests are parametrised over `EMAIL_FLOWS`, so a new flow that sends
unsolicited email gets a row here and is held to the same budget.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from rest_framework.test import APIClient

from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.tests.factories import BaseUserFactory

PASSWORD = "a-long-password-1"


@dataclass(frozen=True)
class EmailFlow:
    name: str
    send: Callable[[APIClient, str, str], Any]
    # The address has an account before the flow starts (made directly, which sends nothing).
    needs_account: bool = False

    def prepare(self, address: str) -> None:
        if self.needs_account:
            account_for(address)


def account_for(address: str) -> BaseUser:
    """The unverified account of `address` (normalised), made if missing."""
    email = user_normalize_email(address)
    user = BaseUser.objects.filter(email=email).first()
    return user or BaseUserFactory.create(email=email, email_verified_at=None)


def _register(client: APIClient, address: str, client_ip: str) -> Any:
    return client.post("/api/users/", {"email": address, "password": PASSWORD}, format="json", REMOTE_ADDR=client_ip)


def _resend(client: APIClient, address: str, client_ip: str) -> Any:
    client.force_authenticate(account_for(address))
    try:
        return client.post("/api/users/me/email/verify/resend/", REMOTE_ADDR=client_ip)
    finally:
        client.force_authenticate(None)


def _password_reset(client: APIClient, address: str, client_ip: str) -> Any:
    return client.post("/api/auth/password/reset/", {"email": address}, format="json", REMOTE_ADDR=client_ip)


def _email_change(client: APIClient, address: str, client_ip: str) -> Any:
    # The caller owns another account and asks to move it to `address`: the link goes there.
    owner = BaseUserFactory.create(password=PASSWORD)
    client.force_authenticate(owner)
    try:
        return client.post(
            "/api/users/me/email/", {"email": address, "password": PASSWORD}, format="json", REMOTE_ADDR=client_ip
        )
    finally:
        client.force_authenticate(None)


EMAIL_FLOWS = [
    # A new address: the account and its verification link.
    EmailFlow("registration", _register),
    # A taken address: the notice to its owner that someone tried to register with it.
    EmailFlow("registration attempt notice", _register, needs_account=True),
    # An unverified account asks for a new link.
    EmailFlow("verification resend", _resend, needs_account=True),
    # A forgotten password: the reset link to the account's address.
    EmailFlow("password reset", _password_reset, needs_account=True),
    # A logged-in user asks to move to the address: its confirmation link goes there.
    EmailFlow("email change", _email_change),
]

# Spellings of one mailbox, target@victim.example: case, NFKC (a fullwidth
# domain, which mail servers deliver to the plain one) and `+tag`s, mixed.
TARGET = "target@victim.example"
SPELLINGS = [
    "target@victim.example",
    "target+1@victim.example",
    "Target@Victim.Example",
    "Target+2@Victim.Example",
    "target@\uff56\uff49\uff43\uff54\uff49\uff4d.example",
    "target+3@\uff56\uff49\uff43\uff54\uff49\uff4d.example",
    "TARGET@\uff36\uff29\uff23\uff34\uff29\uff2d.EXAMPLE",
    "TARGET+4@VICTIM.EXAMPLE",
]


def mailbox(address: str) -> str:
    """The mailbox an address delivers to at the victim's server: normalised, without its `+tag`."""
    local, _, domain = user_normalize_email(address).rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def budget(scope: str) -> int:
    """The count of the rate in force for `scope` (`5/hour` is 5)."""
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])
