from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token


def auth_token_max_age() -> timedelta:
    return timedelta(hours=settings.AUTH_TOKEN_MAX_AGE_HOURS)


def auth_token_expires_at(*, token: Token) -> datetime:
    expires_at: datetime = token.created + auth_token_max_age()
    return expires_at


def auth_token_is_expired(*, token: Token, now: datetime | None = None) -> bool:
    return auth_token_expires_at(token=token) <= (now or timezone.now())
