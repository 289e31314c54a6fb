from django.db.models import QuerySet

from styleguide_project.users.models import BaseUser


def user_get(*, user_id: int) -> BaseUser | None:
    return BaseUser.objects.filter(id=user_id).first()


def user_list() -> QuerySet[BaseUser]:
    return BaseUser.objects.order_by("id")
