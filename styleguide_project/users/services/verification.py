"""Email verification: the signed link, verifying with it, sending it again, and the reminder to verify."""

from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from styleguide_project.common.services import model_update
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_create_from_template, email_send_all
from styleguide_project.users.models import BaseUser
from styleguide_project.users.selectors import user_email_verification_reminder_list

# Namespaces the signature: a value signed for anything else (a session, a
# password reset) is never a verification token, even with the same SECRET_KEY.
_SALT = "styleguide_project.users.email-verification"


def user_email_verification_token_create(*, user: BaseUser) -> str:
    """A token for `user` to verify the address they have now: signed, dated, and good once.

    It carries the user's id and address, signed with SECRET_KEY and the time
    (Django's `TimestampSigner`), so it cannot be forged and expires after
    EMAIL_VERIFICATION_MAX_AGE_HOURS. It works once because verifying sets
    `email_verified_at`, and a verified user's token is refused; it dies with
    the address, too, since a token names the address it was sent to.
    """
    return signing.TimestampSigner(salt=_SALT).sign_object({"user": user.id, "email": user.email})


def user_email_verification_means() -> str:
    """What the verification email gives, "link" or "code", so that every message about it says the same.

    With EMAIL_VERIFICATION_URL the email carries a link to the client's page;
    without it, the token itself, as a code to enter in the application.
    """
    return "link" if settings.EMAIL_VERIFICATION_URL else "code"


def _verification_email(*, user: BaseUser, template: str) -> Email:
    token = user_email_verification_token_create(user=user)
    url = settings.EMAIL_VERIFICATION_URL
    link = url.replace("{token}", quote(token, safe="")) if url else ""
    return email_create_from_template(
        to=user.email,
        template=template,
        context={
            "user": user,
            "token": token,
            "link": link,
            "max_age_hours": settings.EMAIL_VERIFICATION_MAX_AGE_HOURS,
        },
    )


def user_email_verification_send(*, user: BaseUser) -> Email:
    """Queue the email with a fresh verification link to `user` (sent after the transaction commits)."""
    email = _verification_email(user=user, template="email_verification")
    email_send_all(emails=[email])
    return email


def _already_verified(user: BaseUser) -> ApplicationError:
    return ApplicationError(
        "This email address is already verified.", extra={"email_verified_at": user.email_verified_at}
    )


@transaction.atomic
def user_email_verification_resend(*, user: BaseUser) -> Email:
    """Send `user` a new verification link; an error if the address is already verified."""
    user = BaseUser.objects.select_for_update().get(id=user.id)
    if user.email_verified_at is not None:
        raise _already_verified(user)
    return user_email_verification_send(user=user)


def user_email_verify_by_token(*, token: str) -> BaseUser:
    """Verify the address of the user the token names, for a page that has the token and no login.

    The development inbox's link (DEBUG only) lands on such a page. The token
    is signed, so only its recipient has it; every check of `user_email_verify`
    applies, with the same messages.
    """
    try:
        claims = signing.TimestampSigner(salt=_SALT).unsign_object(token)
    except signing.BadSignature:
        claims = None
    user_id = claims.get("user") if isinstance(claims, dict) else None
    user = BaseUser.objects.filter(id=user_id).first() if isinstance(user_id, int) else None
    if user is None:
        raise ApplicationError(f"This verification {user_email_verification_means()} is not valid.")
    return user_email_verify(user=user, token=token)


@transaction.atomic
def user_email_verify(*, user: BaseUser, token: str) -> BaseUser:
    """Mark `user`'s address verified with a token from `user_email_verification_token_create`.

    Refused, with a message that says why: a token that is not one (or was
    tampered with), one older than EMAIL_VERIFICATION_MAX_AGE_HOURS, one for
    another account or an address the user no longer has, and any token once
    the address is verified (a link works once).
    """
    max_age = timedelta(hours=settings.EMAIL_VERIFICATION_MAX_AGE_HOURS)
    means = user_email_verification_means()
    try:
        claims = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ApplicationError(f"This verification {means} has expired: ask for a new one.") from exc
    except signing.BadSignature as exc:
        raise ApplicationError(f"This verification {means} is not valid.") from exc

    # The row lock makes two uses of one link at once verify once: the second waits, then sees it used.
    user = BaseUser.objects.select_for_update().get(id=user.id)
    if not isinstance(claims, dict) or claims.get("user") != user.id or claims.get("email") != user.email:
        raise ApplicationError(f"This verification {means} is not for this account's email address.")
    if user.email_verified_at is not None:
        raise _already_verified(user)
    user, _ = model_update(instance=user, fields=["email_verified_at"], data={"email_verified_at": timezone.now()})
    return user


@transaction.atomic
def user_email_verification_reminders_send(*, now: datetime | None = None) -> int:
    """Queue one reminder, with a fresh link, to each user who registered more than
    EMAIL_VERIFICATION_REMINDER_AFTER_HOURS before `now` and has not verified the address; returns how many.

    Once per user, as the onboarding reminder: recorded on the user in the
    transaction that creates the emails, rows locked with SKIP LOCKED, the
    emails enqueued when it commits.
    """
    now = now or timezone.now()
    registered_before = now - timedelta(hours=settings.EMAIL_VERIFICATION_REMINDER_AFTER_HOURS)
    users = list(
        user_email_verification_reminder_list(registered_before=registered_before).select_for_update(skip_locked=True)
    )
    if not users:
        return 0

    BaseUser.objects.filter(id__in=[user.id for user in users]).update(
        email_verification_reminded_at=now, updated_at=now
    )
    email_send_all(emails=[_verification_email(user=user, template="email_verification_reminder") for user in users])
    return len(users)
