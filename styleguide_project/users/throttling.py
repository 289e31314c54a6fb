"""Throttles of the account flows that send email or check a password.

Each of them refuses the request (503) when the cache cannot count it
(`fail_open = False`): an email nobody can count could be the hundredth to
one mailbox, and a password check nobody can count is a guess nobody limits.
"""

from typing import Any

from rest_framework.request import Request

from styleguide_project.api.throttling import FixedWindowRateThrottle, client_address_key


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
        return client_address_key(request, self)
