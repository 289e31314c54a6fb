from datetime import datetime

from django.db.models import QuerySet

from styleguide_project.users.models import BaseUser


def user_get(*, user_id: int) -> BaseUser | None:
    return BaseUser.objects.filter(id=user_id).first()


def user_list() -> QuerySet[BaseUser]:
    return BaseUser.objects.order_by("id")


def user_onboarding_reminder_list(*, registered_before: datetime) -> QuerySet[BaseUser]:
    """Users who registered before `registered_before`, have not completed onboarding and were never reminded.

    Active users only, and not staff: staff accounts are made by operators
    (createsuperuser, the admin), not by registering.
    """
    return BaseUser.objects.filter(
        created_at__lt=registered_before,
        onboarded_at__isnull=True,
        onboarding_reminded_at__isnull=True,
        is_active=True,
        is_staff=False,
    ).order_by("id")
