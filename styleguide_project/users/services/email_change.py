"""Changing the address: a link to the new mailbox, a notice to the old one, and the change once confirmed."""

from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.services import email_create_from_template, email_send_all
from styleguide_project.users.models import BaseUser, user_normalize_email

# Namespaces the signature: no other signed value (a verification token, a
# session) is ever an email-change token, even with the same SECRET_KEY.
_SALT = "styleguide_project.users.email-change"

# The route of the client application (FRONTEND_URL) that confirms a change.
FRONTEND_EMAIL_CHANGE_ROUTE = "/email/confirm"


def user_password_check(*, user: BaseUser, password: str) -> None:
    """An `ApplicationError` naming the field unless `password` is the user's (for actions that ask for it again)."""
    if not user.check_password(password):
        raise ApplicationError(
            "The password is not correct.", extra={"fields": {"password": ["The password is not correct."]}}
        )


def user_email_change_token_create(*, user: BaseUser, new_email: str) -> str:
    """A token that moves `user` from the address they have now to `new_email`: signed, dated, good once.

    It names the user, the current address and the new one (Django's
    `TimestampSigner`, SECRET_KEY and its own salt), so it cannot be forged,
    expires after EMAIL_VERIFICATION_MAX_AGE_HOURS, dies when the address
    changes (it works once) and when a newer request replaces the pending
    address.
    """
    return signing.TimestampSigner(salt=_SALT).sign_object({"user": user.id, "from": user.email, "to": new_email})


def user_email_change_link(*, token: str, page_url: str) -> str:
    """Where the email's link goes: the client application's route, else this project's page (`page_url`)."""
    quoted = quote(token, safe="")
    if settings.FRONTEND_URL:
        return f"{settings.FRONTEND_URL}{FRONTEND_EMAIL_CHANGE_ROUTE}?token={quoted}"
    return f"{page_url}?token={quoted}" if page_url else ""


@transaction.atomic
def user_email_change_request(*, user: BaseUser, email: str, password: str, page_url: str = "") -> BaseUser:
    """Ask to move `user` to `email` (normalised as at registration); the password must be the user's.

    The address becomes pending; it changes only when the link sent to it is
    followed (`user_email_change_confirm`). The old address is told, so that
    the owner hears of a change made with a stolen password. Whether `email`
    already has an account is not the caller's business: the user and the
    answer see the same either way, and only the mailbox learns it: a free
    address gets the link, a taken one nothing (its owner did not ask for
    mail, and a link to it could never be confirmed). `page_url` is the
    absolute URL of this project's confirmation page, used when
    FRONTEND_URL is not set.
    """
    user = BaseUser.objects.select_for_update().get(id=user.id)
    user_password_check(user=user, password=password)
    email = user_normalize_email(email)
    if email == user.email:
        raise ApplicationError(
            "This is already the account's address.", extra={"fields": {"email": ["This is already your address."]}}
        )

    user.pending_email = email
    user.full_clean(exclude=["email", "password"])
    user.save(update_fields=["pending_email", "updated_at"])

    emails = [
        email_create_from_template(
            to=user.email,
            template="email_change_notice",
            context={"name": user.name, "old_email": user.email, "new_email": email},
        )
    ]
    if not BaseUser.objects.filter(email=email).exists():
        token = user_email_change_token_create(user=user, new_email=email)
        emails.append(
            email_create_from_template(
                to=email,
                template="email_change",
                context={
                    "new_email": email,
                    "token": token,
                    "link": user_email_change_link(token=token, page_url=page_url),
                    "max_age_hours": settings.EMAIL_VERIFICATION_MAX_AGE_HOURS,
                },
            )
        )
    email_send_all(emails=emails)
    return user


def _link_not_valid() -> ApplicationError:
    return ApplicationError("This link is no longer valid: ask for a new email change.")


@transaction.atomic
def user_email_change_confirm(*, token: str) -> BaseUser:
    """Move the user a token from `user_email_change_token_create` names to its new address, now verified.

    Anyone holding the token may use it, logged in or not, from any device:
    the token proves the mailbox, and was only ever sent to it. Refused with a
    message that says why: a token that is not one, one older than
    EMAIL_VERIFICATION_MAX_AGE_HOURS, one whose account is gone, has another
    address by now or has asked for another change since, and one whose new
    address was taken by another account in the meantime (never a 500: the
    unique index decides a race).
    """
    max_age = timedelta(hours=settings.EMAIL_VERIFICATION_MAX_AGE_HOURS)
    try:
        claims = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ApplicationError("This link has expired: ask for a new email change.") from exc
    except signing.BadSignature as exc:
        raise ApplicationError("This link is not valid.") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("user"), int):
        raise ApplicationError("This link is not valid.")

    # The row lock makes two uses of one link at once change the address once.
    user = BaseUser.objects.select_for_update().filter(id=claims["user"]).first()
    if user is None or claims.get("from") != user.email or claims.get("to") != user.pending_email:
        raise _link_not_valid()

    taken = ApplicationError("This address now belongs to another account: it cannot be used.")
    new_email = user.pending_email
    if BaseUser.objects.filter(email=new_email).exclude(id=user.id).exists():
        raise taken
    user.email, user.pending_email, user.email_verified_at = new_email, "", timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "pending_email", "email_verified_at", "updated_at"])
    except IntegrityError as exc:
        # A registration of the same address won the unique index since the check.
        raise taken from exc
    return user
