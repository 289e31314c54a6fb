"""Onboarding: completing it, and reminding the users who have not."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from styleguide_project.common.services import model_update
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.services import email_create_from_template, email_send_all
from styleguide_project.users.models import BaseUser
from styleguide_project.users.selectors import user_onboarding_reminder_list


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
