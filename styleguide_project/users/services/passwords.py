"""Passwords: resetting a forgotten one by email, changing one, and the notice that it changed."""

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_create_from_template, email_send_all
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit
from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.selectors import user_get_by_password_reset_token
from styleguide_project.users.tasks.passwords import user_password_reset_send as user_password_reset_send_task
from styleguide_project.users.tokens import password_reset_token_make


def user_password_reset_link(*, token: str, site_url: str) -> str:
    """Where the reset email sends a person: the application's route, or this server's own page.

    `site_url` is this server's base URL (scheme and host), used only when
    FRONTEND_URL is empty.
    """
    if settings.FRONTEND_URL:
        return f"{settings.FRONTEND_URL}/password/reset/{quote(token, safe='')}"
    path = reverse("accounts:password-reset-confirm", kwargs={"token": token})
    return f"{site_url.rstrip('/')}{path}"


@transaction.atomic
def user_password_reset_request(*, email: str, site_url: str) -> None:
    """Ask for a reset link to be emailed to `email`, whether or not an account has it.

    The caller answers alike either way, and this does the same work either
    way: it records one run of `users.user_password_reset_send` in the
    outbox, published after the commit. The worker looks the account up and
    sends the email, so neither the answer nor its timing says whether the
    address has an account.
    """
    task_enqueue_on_commit(
        task=user_password_reset_send_task,
        kwargs_list=[{"email": user_normalize_email(email), "site_url": site_url}],
    )


@transaction.atomic
def user_password_reset_send(*, email: str, site_url: str) -> Email | None:
    """Queue the reset email to the active account with this address; None (and nothing sent) if there is none.

    An account whose password is unusable (made by an operator without one)
    gets none, as with Django's own reset form: it is not meant to log in
    with a password.
    """
    user = BaseUser.objects.filter(email=user_normalize_email(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return None
    token = password_reset_token_make(user=user)
    message = email_create_from_template(
        to=user.email,
        template="password_reset",
        context={
            "user": user,
            "token": token,
            "link": user_password_reset_link(token=token, site_url=site_url),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    email_send_all(emails=[message])
    return message


def _password_changed_notify(*, user: BaseUser, reset: bool) -> None:
    notice = email_create_from_template(
        to=user.email, template="password_changed", context={"user": user, "reset": reset}
    )
    email_send_all(emails=[notice])


def _password_validate(*, user: BaseUser, password: str, field: str) -> None:
    try:
        # With the user, so that a password too similar to the email is refused.
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from exc


@transaction.atomic
def user_password_reset_confirm(*, token: str, password: str) -> BaseUser:
    """Set the password of the account a reset token was made for; the token then dies.

    The password must pass AUTH_PASSWORD_VALIDATORS (a `ValidationError` on
    `password`). Every API token and session of the account stops working,
    and a notice that the password changed is emailed. The reset proves that
    the user holds the mailbox, so the address is verified too: that is how
    the owner of an address someone else registered takes the account back.
    """
    # The row lock makes two uses of one token at once set one password: the
    # second waits, then finds the token dead (the password it covers changed).
    user = user_get_by_password_reset_token(token=token, for_update=True)
    _password_validate(user=user, password=password, field="password")

    user.set_password(password)
    fields = ["password", "updated_at"]
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        fields.append("email_verified_at")
    user.full_clean(validate_unique=False)
    user.save(update_fields=fields)
    _password_changed_notify(user=user, reset=True)
    return user


@transaction.atomic
def user_password_change(
    *, user: BaseUser, current_password: str, new_password: str, keep_token_digest: str | None = None
) -> BaseUser:
    """Change `user`'s password after checking the current one.

    Every API token of the user dies except the one with `keep_token_digest`
    (the one the change was made with); every session dies too (the caller
    keeps its own with `update_session_auth_hash`). A notice is emailed.
    """
    user = BaseUser.objects.select_for_update().get(id=user.id)
    if not user.check_password(current_password):
        raise ApplicationError(
            "The current password is not correct.",
            extra={"fields": {"current_password": ["The current password is not correct."]}},
        )
    _password_validate(user=user, password=new_password, field="new_password")

    user.set_password(new_password, keep_token_digest=keep_token_digest)
    user.full_clean(validate_unique=False)
    user.save(update_fields=["password", "updated_at"])
    _password_changed_notify(user=user, reset=False)
    return user
