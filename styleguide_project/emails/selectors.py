from typing import TypedDict

from django.db.models import QuerySet

from styleguide_project.emails.models import Email


class EmailFilters(TypedDict, total=False):
    status: str
    to: str


def email_list(*, filters: EmailFilters | None = None) -> QuerySet[Email]:
    filters = filters or {}
    queryset = Email.objects.order_by("-id")
    if "status" in filters:
        queryset = queryset.filter(status=filters["status"])
    if "to" in filters:
        queryset = queryset.filter(to__iexact=filters["to"])
    return queryset


def email_get(*, email_id: int) -> Email | None:
    return Email.objects.filter(id=email_id).first()
