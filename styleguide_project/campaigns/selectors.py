from django.db.models import Count, QuerySet

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.selectors import user_campaign_recipient_list


def email_campaign_get(*, campaign_id: int) -> EmailCampaign | None:
    return EmailCampaign.objects.filter(id=campaign_id).first()


def email_campaign_recipient_list(*, campaign: EmailCampaign) -> QuerySet[BaseUser]:
    """The users a campaign still has to email: whoever receives campaigns (the users app says who), less
    the addresses this campaign has emailed already."""
    reached = EmailCampaignRecipient.objects.filter(campaign=campaign).values("address")
    return user_campaign_recipient_list().exclude(email__in=reached)


def email_campaign_email_list(*, campaign: EmailCampaign) -> QuerySet[Email]:
    """The emails a campaign has created, oldest first."""
    return Email.objects.filter(campaign_recipient__campaign=campaign).order_by("id")


def email_campaign_status_counts(*, campaign: EmailCampaign) -> dict[str, int]:
    """How many of the campaign's emails are in each status (every status present, 0 when none)."""
    rows = (
        EmailCampaignRecipient.objects.filter(campaign=campaign)
        .values_list("email__status")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = dict(rows)
    return {status: counts.get(status, 0) for status in Email.Status.values}
