"""Accounts: creating users, and registration."""

import hashlib
import logging

from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from styleguide_project.core.cache import CACHE_ERRORS
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.services import email_create_from_template, email_send_all
from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.services.verification import user_email_verification_send

logger = logging.getLogger(__name__)

# The owner of a taken address hears of registration attempts at most this
# often, so that someone registering with it in a loop cannot flood their inbox.
REGISTRATION_NOTICE_EVERY_SECONDS = 3600


def _duplicate_email_error(email: str) -> ApplicationError:
    return ApplicationError(
        "A user with this email already exists.",
        extra={"fields": {"email": [f"{email} is already registered."]}},
    )


def _user_build(
    *,
    email: str,
    password: str | None,
    is_active: bool = True,
    is_staff: bool = False,
    is_superuser: bool = False,
    validate_password: bool = True,
) -> BaseUser:
    """An unsaved, validated user (the unique email aside); every problem in one `ValidationError`, by field.

    The password is hashed here whatever happens next, so that a caller that
    then finds the address taken has spent the same time as one that saves.
    """
    user = BaseUser(email=email, is_active=is_active, is_staff=is_staff, is_superuser=is_superuser)
    errors: dict[str, list[ValidationError]] = {}
    if password is None:
        user.set_unusable_password()
    else:
        if validate_password:
            try:
                # With the user, so that a password too similar to the email is refused.
                password_validation.validate_password(password, user=user)
            except ValidationError as exc:
                errors["password"] = exc.error_list
        user.set_password(password)
    try:
        user.full_clean(validate_unique=False)
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    return user


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None = None,
    is_active: bool = True,
    is_staff: bool = False,
    is_superuser: bool = False,
    validate_password: bool = True,
) -> BaseUser:
    """Create a user who logs in with `email`; without `password` the user cannot log in with one.

    For operators and code (the admin, `createsuperuser`, tests): a taken
    address is an `ApplicationError` that says so. People register through
    `user_register`, which does not tell. The password must pass
    AUTH_PASSWORD_VALIDATORS; every problem with the email or the password is
    raised in one `ValidationError`, by field. `validate_password=False` is for
    `createsuperuser` only, which runs the validators itself and lets the
    operator overrule them.
    """
    email = user_normalize_email(email)
    if BaseUser.objects.filter(email=email).exists():
        raise _duplicate_email_error(email)

    user = _user_build(
        email=email,
        password=password,
        is_active=is_active,
        is_staff=is_staff,
        is_superuser=is_superuser,
        validate_password=validate_password,
    )
    # Two concurrent registrations can both pass the check above; the unique
    # index decides, and the loser gets the same error instead of a 500.
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise _duplicate_email_error(email) from exc
    return user


def _registration_attempt_notify(*, email: str) -> None:
    """Tell the owner of `email` that someone tried to register with it (at most once an hour)."""
    key = "users:registration-notice:" + hashlib.sha256(email.encode()).hexdigest()
    try:
        first_this_hour = cache.add(key, 1, timeout=REGISTRATION_NOTICE_EVERY_SECONDS)
    except CACHE_ERRORS:
        # Without the cache nothing limits the notices: none is sent rather
        # than one per attempt, and the registration answers as always.
        logger.warning("Registration: the cache is not answering; no notice sent", exc_info=True)
        return
    if not first_this_hour:
        return
    notice = email_create_from_template(to=email, template="registration_attempt", context={"email": email})
    email_send_all(emails=[notice])


@transaction.atomic
def user_register(*, email: str, password: str) -> BaseUser | None:
    """Register someone: the new user, or None when the address already has an account.

    The caller must answer both cases alike: whether an address has an account
    is the owner's business. So the same work happens either way: the input is
    validated the same (a bad password is refused even for a taken address),
    the password is hashed, and one email is queued, to the address: for a new
    account the verification link, for a taken one a notice that someone tried
    to register with it.
    """
    email = user_normalize_email(email)
    user = _user_build(email=email, password=password)
    if BaseUser.objects.filter(email=email).exists():
        _registration_attempt_notify(email=email)
        return None
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent registration of the same address won the unique index.
        _registration_attempt_notify(email=email)
        return None
    user_email_verification_send(user=user)
    return user
