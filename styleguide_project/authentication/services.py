from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from knox.models import AuthToken

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser, user_normalize_email


@transaction.atomic
def auth_token_obtain(*, request: HttpRequest | None, email: str, password: str) -> tuple[AuthToken, str]:
    """A new API token for the user with these credentials: the row, and the token itself.

    Each login makes its own token (one per device), stored as a digest by
    django-rest-knox: the token itself is returned here once and kept nowhere.
    It works for `AUTH_TOKEN_MAX_AGE_HOURS`, never extended. Logging in also
    deletes the user's expired tokens and, beyond `AUTH_TOKEN_LIMIT_PER_USER`,
    the oldest ones.
    """
    user = authenticate(request, email=user_normalize_email(email), password=password)
    if user is None:
        # One message for an unknown email and a wrong password: no account probing.
        raise ApplicationError("Unable to log in with the provided credentials.")
    tokens = AuthToken.objects.filter(user=user)
    tokens.filter(expiry__lte=timezone.now()).delete()
    keep = list(tokens.order_by("-created").values_list("digest", flat=True)[: settings.AUTH_TOKEN_LIMIT_PER_USER - 1])
    tokens.exclude(digest__in=keep).delete()
    return AuthToken.objects.create(user=user)


def auth_token_revoke(*, token: AuthToken) -> None:
    """Logout of one device: this token stops working at once."""
    token.delete()


def auth_token_revoke_all(*, user: BaseUser) -> int:
    """Logout everywhere: every token of the user stops working at once; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
