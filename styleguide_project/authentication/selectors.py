from datetime import datetime

from knox.models import AuthToken


def auth_token_expires_at(*, token: AuthToken) -> datetime | None:
    """When the token stops working; None only for a token made without expiry (none are, by the API)."""
    return token.expiry
