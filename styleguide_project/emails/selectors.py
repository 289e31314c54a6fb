from datetime import datetime
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


def email_failed_list(*, since: datetime, until: datetime) -> QuerySet[Email]:
    """FAILED emails whose last change, the final failed attempt, is in [since, until), oldest first."""
    return Email.objects.filter(status=Email.Status.FAILED, updated_at__gte=since, updated_at__lt=until).order_by(
        "updated_at", "id"
    )
