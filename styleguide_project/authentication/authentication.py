from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from styleguide_project.authentication.selectors import auth_token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with tokens that stop working `AUTH_TOKEN_MAX_AGE_HOURS` after issue.

    An expired token is a 401 like an unknown one; logging in again replaces
    it with a new key (`auth_token_obtain`).
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if auth_token_is_expired(token=token):
            raise exceptions.AuthenticationFailed("Token has expired; log in again.")
        return user, token
