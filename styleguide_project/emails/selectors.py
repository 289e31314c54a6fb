from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from styleguide_project.emails.models import Email, EmailCampaign

if TYPE_CHECKING:
    from styleguide_project.users.models import BaseUser

# Emails reach whatever AUTH_USER_MODEL is: the emails app imports no other app
# at run time (users import emails to send theirs).
User = get_user_model()


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


def email_campaign_get(*, campaign_id: int) -> EmailCampaign | None:
    return EmailCampaign.objects.filter(id=campaign_id).first()


def email_campaign_recipients(*, campaign: EmailCampaign) -> QuerySet["BaseUser"]:
    """The users a campaign still has to email: active, onboarded, with a verified address, and without
    this campaign's email yet."""
    return (
        User.objects.filter(is_active=True, onboarded_at__isnull=False, email_verified_at__isnull=False)
        .exclude(email__in=Email.objects.filter(campaign=campaign).values("to"))
        .order_by("id")
    )


def email_campaign_status_counts(*, campaign: EmailCampaign) -> dict[str, int]:
    """How many of the campaign's emails are in each status (every status present, 0 when none)."""
    counts = dict(Email.objects.filter(campaign=campaign).values_list("status").annotate(count=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Email.Status.values}
