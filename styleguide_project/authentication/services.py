from django.contrib.auth import authenticate
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_normalize_email


def auth_token_obtain(*, request: HttpRequest | None, email: str, password: str) -> Token:
    """The API token of the user with these credentials (created on first login)."""
    user = authenticate(request, email=user_normalize_email(email), password=password)
    if user is None:
        # One message for an unknown email and a wrong password: no account probing.
        raise ApplicationError("Unable to log in with the provided credentials.")
    token, _ = Token.objects.get_or_create(user=user)
    return token


def auth_token_revoke(*, user: BaseUser) -> None:
    """Logout: the user's token stops working at once."""
    Token.objects.filter(user=user).delete()
