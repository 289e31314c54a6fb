from dataclasses import dataclass
from typing import TypedDict

from django.db import models
from django.db.models import Count, QuerySet

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.selectors import user_campaign_recipient_list


class EmailCampaignFilters(TypedDict, total=False):
    status: str


def email_campaign_list(*, filters: EmailCampaignFilters | None = None) -> QuerySet[EmailCampaign]:
    """Campaigns, newest first."""
    filters = filters or {}
    queryset = EmailCampaign.objects.order_by("-created_at", "-id")
    if "status" in filters:
        queryset = queryset.filter(status=filters["status"])
    return queryset


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


class EmailCampaignProgressState(models.TextChoices):
    """Where a campaign is, told by its emails as well as by its own status.

    The campaign's own DONE means that every email has been created and
    queued, not that any was delivered: its emails may still be waiting for a
    worker. So a DONE campaign whose emails are not all SENT or FAILED is
    still SENDING here.
    """

    DRAFT = "DRAFT", "Draft: not sent yet"
    # The task is creating its emails and queueing them, a chunk at a time; the emails queued go out meanwhile.
    QUEUEING = "QUEUEING", "Queueing its emails"
    # Every email is created and queued; some are not delivered (or failed for good) yet.
    SENDING = "SENDING", "Sending"
    # Every email was delivered or failed for good.
    DONE = "DONE", "Done"
    # The queueing failed; the emails it queued still go out, and sending the campaign again carries on.
    FAILED = "FAILED", "Queueing failed"
    # Stopped by staff: the emails sent before stay sent, the others are CANCELLED and never leave.
    CANCELLED = "CANCELLED", "Cancelled"


# Emails created but not yet delivered or failed for good.
_PENDING_EMAIL_STATUSES = (Email.Status.READY, Email.Status.SENDING)


@dataclass(frozen=True)
class EmailCampaignProgress:
    state: EmailCampaignProgressState
    # Its emails by status, every status present (0 when none).
    counts: dict[str, int]
    # How many emails it has created so far.
    total: int
    # How many of them are not delivered or failed for good yet (READY or SENDING).
    pending: int
    # True: nothing more happens without someone acting (DRAFT, DONE, CANCELLED, FAILED with no email pending).
    finished: bool
    # True: staff may cancel it (`email_campaign_cancel`): not CANCELLED yet, and not DONE with nothing left
    # that could still be sent (READY, SENDING, or FAILED, which a retry would send).
    cancellable: bool


def email_campaign_progress(*, campaign: EmailCampaign) -> EmailCampaignProgress:
    """The campaign's progress from the statuses of its emails, in one query: what its page and its API show."""
    counts = email_campaign_status_counts(campaign=campaign)
    pending = sum(counts[status] for status in _PENDING_EMAIL_STATUSES)
    state = {
        EmailCampaign.Status.DRAFT: EmailCampaignProgressState.DRAFT,
        EmailCampaign.Status.SENDING: EmailCampaignProgressState.QUEUEING,
        EmailCampaign.Status.FAILED: EmailCampaignProgressState.FAILED,
        EmailCampaign.Status.DONE: EmailCampaignProgressState.SENDING if pending else EmailCampaignProgressState.DONE,
        EmailCampaign.Status.CANCELLED: EmailCampaignProgressState.CANCELLED,
    }[EmailCampaign.Status(campaign.status)]
    finished = state in (
        EmailCampaignProgressState.DRAFT,
        EmailCampaignProgressState.DONE,
        EmailCampaignProgressState.CANCELLED,
    ) or (state is EmailCampaignProgressState.FAILED and not pending)
    cancellable = campaign.status != EmailCampaign.Status.CANCELLED and (
        campaign.status != EmailCampaign.Status.DONE or bool(pending or counts[Email.Status.FAILED])
    )
    return EmailCampaignProgress(
        state=state,
        counts=counts,
        total=sum(counts.values()),
        pending=pending,
        finished=finished,
        cancellable=cancellable,
    )
