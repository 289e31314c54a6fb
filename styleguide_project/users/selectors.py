from datetime import datetime

from django.db.models import QuerySet

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tokens import password_reset_token_generator, password_reset_token_split


def user_get(*, user_id: int) -> BaseUser | None:
    return BaseUser.objects.filter(id=user_id).first()


def user_get_by_password_reset_token(*, token: str, for_update: bool = False) -> BaseUser:
    """The active user a password reset token (`users.tokens`) is good for; an `ApplicationError` says why not.

    A read: checking a token changes nothing, so a page may check it when a
    link is opened (mail scanners open links too). `for_update` locks the row.
    """
    parts = password_reset_token_split(token)
    users = BaseUser.objects.select_for_update() if for_update else BaseUser.objects.all()
    user = users.filter(id=parts[0], is_active=True).first() if parts is not None else None
    if user is None or parts is None or not password_reset_token_generator.check_token(user, parts[1]):
        if parts is not None and password_reset_token_generator.is_expired(parts[1]):
            raise ApplicationError("This password reset link has expired: ask for a new one.")
        raise ApplicationError(
            "This password reset link is not valid: it was already used, or a newer password replaced it. "
            "Ask for a new one."
        )
    return user


def user_list() -> QuerySet[BaseUser]:
    return BaseUser.objects.order_by("id")


def user_onboarding_reminder_list(*, registered_before: datetime) -> QuerySet[BaseUser]:
    """Users who registered before `registered_before`, have not completed onboarding and were never reminded.

    Active users with a verified address only (mail to an address nobody
    proved is theirs could be mail to a stranger), and not staff: staff
    accounts are made by operators (createsuperuser, the admin), not by registering.
    """
    return BaseUser.objects.filter(
        created_at__lt=registered_before,
        onboarded_at__isnull=True,
        onboarding_reminded_at__isnull=True,
        email_verified_at__isnull=False,
        is_active=True,
        is_staff=False,
    ).order_by("id")


def user_email_verification_reminder_list(*, registered_before: datetime) -> QuerySet[BaseUser]:
    """Users who registered before `registered_before`, have not verified their address and were never reminded.

    Active users only, and not staff, as for the onboarding reminder.
    """
    return BaseUser.objects.filter(
        created_at__lt=registered_before,
        email_verified_at__isnull=True,
        email_verification_reminded_at__isnull=True,
        is_active=True,
        is_staff=False,
    ).order_by("id")


def user_campaign_recipient_list() -> QuerySet[BaseUser]:
    """Who receives a campaign: active users who completed onboarding, proved their address is theirs, and
    have not unsubscribed (`receives_campaigns`).

    Staff are not left out: a staff member who onboarded is a user like any other.
    """
    return BaseUser.objects.filter(
        is_active=True, onboarded_at__isnull=False, email_verified_at__isnull=False, receives_campaigns=True
    ).order_by("id")


def user_unverified_expired_list(*, registered_before: datetime, reminded_before: datetime) -> QuerySet[BaseUser]:
    """Accounts to delete for never verifying: registered before `registered_before`, reminded before `reminded_before`.

    Only after the reminder to verify was sent, and once its link has expired
    unused (the caller passes the reminder's link lifetime as
    `reminded_before`): an account made before verification existed, reminded
    only yesterday, keeps its full chance. Never staff (operators make those).
    """
    return BaseUser.objects.filter(
        created_at__lt=registered_before,
        email_verified_at__isnull=True,
        email_verification_reminded_at__lt=reminded_before,
        is_staff=False,
        is_superuser=False,
    ).order_by("id")
