from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from styleguide_project.common.services import model_update
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.services import email_create_from_template, email_send_all
from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.selectors import user_onboarding_reminder_list


def _duplicate_email_error(email: str) -> ApplicationError:
    return ApplicationError(
        "A user with this email already exists.",
        extra={"fields": {"email": [f"{email} is already registered."]}},
    )


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

    The password must pass AUTH_PASSWORD_VALIDATORS; every problem with the
    email or the password is raised in one `ValidationError`, by field.
    `validate_password=False` is for `createsuperuser` only, which runs the
    validators itself and lets the operator overrule them.
    """
    email = user_normalize_email(email)
    if BaseUser.objects.filter(email=email).exists():
        raise _duplicate_email_error(email)

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
        user.full_clean()
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)

    # Two concurrent registrations can both pass the check above; the unique
    # index decides, and the loser gets the same error instead of a 500.
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise _duplicate_email_error(email) from exc
    return user


@transaction.atomic
def user_complete_onboarding(*, user: BaseUser) -> BaseUser:
    """Mark the user onboarded and queue the onboarding email once the transaction commits."""
    # The row lock makes two concurrent calls queue one email, not two.
    user = BaseUser.objects.select_for_update().get(id=user.id)
    if user.onboarded_at is not None:
        raise ApplicationError("Onboarding is already complete.", extra={"onboarded_at": user.onboarded_at})

    user, _ = model_update(instance=user, fields=["onboarded_at"], data={"onboarded_at": timezone.now()})

    email = email_create_from_template(to=user.email, template="onboarding", context={"user": user})
    email_send_all(emails=[email])
    return user


@transaction.atomic
def user_onboarding_reminders_send(*, now: datetime | None = None) -> int:
    """Queue one onboarding reminder for each user who registered more than
    ONBOARDING_REMINDER_AFTER_HOURS before `now` and has not completed onboarding; returns how many.

    A user is reminded once: the reminder is recorded on the user in the same
    transaction that creates the email, and the emails are enqueued when it
    commits, so a rollback sends nothing and records nothing. The rows are
    locked with SKIP LOCKED: two runs at once split the users between them
    instead of both reminding the same ones, and a user who is completing
    onboarding right now (row locked) is skipped, not reminded. Queries: a
    constant few, plus one insert per email.
    """
    now = now or timezone.now()
    registered_before = now - timedelta(hours=settings.ONBOARDING_REMINDER_AFTER_HOURS)
    users = list(user_onboarding_reminder_list(registered_before=registered_before).select_for_update(skip_locked=True))
    if not users:
        return 0

    BaseUser.objects.filter(id__in=[user.id for user in users]).update(onboarding_reminded_at=now, updated_at=now)
    emails = [
        email_create_from_template(to=user.email, template="onboarding_reminder", context={"user": user})
        for user in users
    ]
    email_send_all(emails=emails)
    return len(users)
