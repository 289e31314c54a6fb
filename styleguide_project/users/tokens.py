"""Tokens in links of emails: the password reset token, and the unsubscribe token of campaign emails.

The password reset token is Django's `PasswordResetTokenGenerator`, with the user's id in one string.

Django's token is `<timestamp>-<hmac>`; the HMAC covers the user's id, password
hash, last login, email and the timestamp. So a token expires after
`PASSWORD_RESET_TIMEOUT`, and dies once the password changes (the reset it
was made for, a newer reset, or a password change) or the address does.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from styleguide_project.users.models import BaseUser

# urlsafe base64 never contains a dot, nor does Django's token: the first dot
# separates the two.
_SEPARATOR = "."


class _PasswordResetTokenGenerator(PasswordResetTokenGenerator):
    # Namespaces the HMAC: a token made for Django's own reset views (or any
    # other use of the default salt) is never one of ours.
    key_salt = "styleguide_project.users.password-reset"

    def is_expired(self, token: str) -> bool:
        """Whether the token's timestamp is older than PASSWORD_RESET_TIMEOUT (whatever its HMAC)."""
        try:
            timestamp = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        return (self._num_seconds(self._now()) - timestamp) > settings.PASSWORD_RESET_TIMEOUT


password_reset_token_generator = _PasswordResetTokenGenerator()


def password_reset_token_make(*, user: BaseUser) -> str:
    """`<uidb64>.<token>`: one string to put in a link or paste into an application."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uidb64}{_SEPARATOR}{password_reset_token_generator.make_token(user)}"


def password_reset_token_split(token: str) -> tuple[int, str] | None:
    """The user id and Django's token from `password_reset_token_make`'s string; None if it is not one."""
    uidb64, separator, django_token = token.partition(_SEPARATOR)
    if not separator or not django_token:
        return None
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return user_id, django_token


# Namespaces the unsubscribe token's signature: no other signed value is ever one.
_UNSUBSCRIBE_SALT = "styleguide_project.users.unsubscribe"


def unsubscribe_token_make(*, user: BaseUser) -> str:
    """`<user id>:<signature>`: the token of a campaign email's unsubscribe link (`user_unsubscribe`).

    Signed with SECRET_KEY (Django's `Signer`, a salt of its own), so it
    cannot be made for another user; and it never expires, nor names the
    address: a link in an email of years ago still works after the address
    changed, as mail providers expect (RFC 8058). Rotating DJANGO_SECRET_KEY
    ends the old links.
    """
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(str(user.pk))


def unsubscribe_token_user_id(token: str) -> int | None:
    """The user id an unsubscribe token was made for; None if it is not one of ours (tampered, truncated)."""
    try:
        value = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isascii() and value.isdigit() else None
