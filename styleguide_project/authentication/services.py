from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from styleguide_project.authentication.selectors import auth_token_max_age
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser, user_normalize_email


@transaction.atomic
def auth_token_obtain(*, request: HttpRequest | None, email: str, password: str) -> Token:
    """The API token of the user with these credentials.

    The user's token is created on first login and returned again while it is
    valid; once it has expired, login replaces it with a new key. Its age is
    never extended: a token that leaked stops working on schedule, however
    often its owner logs in.
    """
    user = authenticate(request, email=user_normalize_email(email), password=password)
    if user is None:
        # One message for an unknown email and a wrong password: no account probing.
        raise ApplicationError("Unable to log in with the provided credentials.")
    Token.objects.filter(user=user, created__lte=timezone.now() - auth_token_max_age()).delete()
    # get_or_create: two concurrent first logins end with the same token, not an IntegrityError.
    token, _ = Token.objects.get_or_create(user=user)
    return token


def auth_token_revoke(*, user: BaseUser) -> None:
    """Logout: the user's token stops working at once."""
    Token.objects.filter(user=user).delete()
