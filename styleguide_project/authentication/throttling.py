"""Login throttles: one per submitted email (password guessing against one account) and one per
client address (credential stuffing: many accounts from one machine). Both count every attempt,
successful or not, before the credentials are checked.
"""

import hashlib
from typing import Any

from rest_framework.request import Request

from styleguide_project.api.throttling import FixedWindowRateThrottle, client_address_key
from styleguide_project.users.models import user_normalize_email


class LoginEmailRateThrottle(FixedWindowRateThrottle):
    """Login attempts per submitted email, however it is spelled (`THROTTLE_LOGIN_EMAIL_RATE`)."""

    scope = "login_email"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            # Nothing to count against; the address throttle still counts it,
            # and the serializer refuses it.
            return None
        # Hashed: the cache holds no email addresses, and the key has a fixed length.
        return hashlib.sha256(user_normalize_email(email).encode()).hexdigest()


class LoginAddressRateThrottle(FixedWindowRateThrottle):
    """Login attempts per client address, whatever the email (`THROTTLE_LOGIN_ADDRESS_RATE`)."""

    scope = "login_address"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return client_address_key(request, self)
