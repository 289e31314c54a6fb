"""Campaigns: one message to every user who receives campaigns, created and queued a chunk at a time by a task.

The emails are the emails app's: created from the `emails/campaign/` templates
(this app's `templates/` folder) and queued with `email_send_all`, flagged
`bulk`. A row per recipient records which email went to which address.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.campaigns.selectors import (
    email_campaign_email_list,
    email_campaign_recipient_list,
    email_campaign_status_counts,
)
from styleguide_project.campaigns.tasks import email_campaign_send as email_campaign_send_task
from styleguide_project.common.services import model_update
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_cancel, email_create_from_template, email_send_all
from styleguide_project.emails.services.cancelling import CANCELLABLE_STATUSES
from styleguide_project.task_progress.services import task_enqueue_for_user
from styleguide_project.tasks.outbox.services.cancelling import task_run_cancel
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_unsubscribe_headers, user_unsubscribe_link

logger = logging.getLogger(__name__)

# Called with (current, total, description) as work advances; a task passes
# celery-progress's `ProgressRecorder(self).set_progress`.
ProgressCallback = Callable[[int, int, str], object]

# Statuses from which a campaign may be (re)sent.
CAMPAIGN_SENDABLE_STATUSES = (EmailCampaign.Status.DRAFT, EmailCampaign.Status.FAILED)
# A run cancelled by id (not through its campaign) leaves the campaign FAILED with this error: sending it
# again carries on.
RUN_CANCELLED_ERROR = "Its run was cancelled before it had queued every email."


@transaction.atomic
def email_campaign_create(*, created_by: BaseUser | None, subject: str, plain_text: str) -> EmailCampaign:
    campaign = EmailCampaign(subject=subject, plain_text=plain_text, created_by=created_by)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def email_campaign_queue(*, campaign: EmailCampaign, user: BaseUser) -> EmailCampaign:
    """Queue the sending of a DRAFT or FAILED campaign; `user` may watch it at `task:progress` (`campaign.task_id`).

    A FAILED campaign carries on where it stopped: users who already have its
    email are skipped.
    """
    # The row lock makes two concurrent calls queue one run, not two.
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status not in CAMPAIGN_SENDABLE_STATUSES:
        raise ApplicationError(
            f"This campaign is {campaign.status}; only a draft or a failed campaign can be sent.",
            extra={"status": campaign.status},
        )
    task_id = task_enqueue_for_user(task=email_campaign_send_task, kwargs={"campaign_id": campaign.id}, user=user)
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "task_id", "last_error", "finished_at"],
        data={"status": EmailCampaign.Status.SENDING, "task_id": task_id, "last_error": "", "finished_at": None},
    )
    return campaign


@transaction.atomic
def email_campaign_launch(*, created_by: BaseUser, subject: str, plain_text: str) -> EmailCampaign:
    """Create a campaign and queue it at once; its progress page is `task:progress` with `campaign.task_id`."""
    campaign = email_campaign_create(created_by=created_by, subject=subject, plain_text=plain_text)
    return email_campaign_queue(campaign=campaign, user=created_by)


def email_campaign_send(
    *,
    campaign: EmailCampaign,
    on_progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> EmailCampaign:
    """Create and queue the campaign's email to every user it still has to reach, a chunk at a time.

    Deliberately not one transaction. Each chunk of `EMAIL_CAMPAIGN_CHUNK_SIZE`
    users is its own transaction, and `on_progress` is called between chunks,
    outside any transaction:
    - the django-db result backend writes progress through this same database
      connection, so progress written inside a transaction would stay
      invisible to the progress page until the commit, and the bar would jump
      from 0 to done (czue/celery-progress#55);
    - each chunk's emails are queued as soon as it commits, not at the end;
    - a failure keeps the chunks already done, and sending the campaign again
      skips the users who already have its email.

    `EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS` between chunks bounds the rate at
    which emails reach the workers and the SMTP relay.

    It stops between chunks when the campaign is no longer SENDING (cancelled:
    each chunk checks under the campaign's lock) or when `is_cancelled()`
    says its run was cancelled (the task passes its checkpoint).
    """
    report = on_progress or (lambda current, total, description: None)
    chunk_size = max(1, settings.EMAIL_CAMPAIGN_CHUNK_SIZE)
    pause = settings.EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS

    recipient_ids = list(email_campaign_recipient_list(campaign=campaign).values_list("id", flat=True))
    done = EmailCampaignRecipient.objects.filter(campaign=campaign).count()
    total = done + len(recipient_ids)
    report(done, total, f"Starting: {len(recipient_ids)} users to email")

    for start in range(0, len(recipient_ids), chunk_size):
        if start and pause:
            time.sleep(pause)
        if is_cancelled is not None and is_cancelled():
            logger.info("Campaign %s: its run was cancelled; stopped after %d of %d emails.", campaign.id, done, total)
            return email_campaign_failed(campaign=campaign, error=RUN_CANCELLED_ERROR)
        queued = _email_campaign_send_chunk(campaign=campaign, user_ids=recipient_ids[start : start + chunk_size])
        if queued is None:
            logger.info("Campaign %s is no longer SENDING; stopped after %d of %d emails.", campaign.id, done, total)
            break
        done += queued
        report(done, total, f"Queued {done} of {total} emails")

    return _email_campaign_done(campaign=campaign)


@transaction.atomic
def _email_campaign_send_chunk(*, campaign: EmailCampaign, user_ids: list[int]) -> int | None:
    """Create and queue (on commit) the emails of these users; None if the campaign is no longer SENDING."""
    # The lock makes two runs of one campaign (a redelivered message) take
    # turns chunk by chunk, and the recipients query then skips whoever the
    # other run emailed: nobody gets the campaign twice.
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status != EmailCampaign.Status.SENDING:
        return None
    users = email_campaign_recipient_list(campaign=campaign).filter(id__in=user_ids)
    # Each email carries the user's unsubscribe link, in its body and in the
    # List-Unsubscribe headers that mail providers show as a button.
    emails = [
        email_create_from_template(
            to=user.email,
            template="campaign",
            context={"campaign": campaign, "user": user, "unsubscribe_url": user_unsubscribe_link(user=user)},
            bulk=True,
            headers=user_unsubscribe_headers(user=user),
        )
        for user in users
    ]
    # A row per address, unique per campaign: the database's guarantee behind
    # the lock. Were an address ever emailed twice by one campaign, this insert
    # would fail and roll the chunk's transaction back, its emails with it.
    EmailCampaignRecipient.objects.bulk_create(
        EmailCampaignRecipient(campaign=campaign, email=email, address=email.to) for email in emails
    )
    email_send_all(emails=emails)
    return len(emails)


@transaction.atomic
def _email_campaign_done(*, campaign: EmailCampaign) -> EmailCampaign:
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status != EmailCampaign.Status.SENDING:
        return campaign
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "finished_at"],
        data={"status": EmailCampaign.Status.DONE, "finished_at": timezone.now()},
    )
    return campaign


@transaction.atomic
def email_campaign_failed(*, campaign: EmailCampaign, error: str) -> EmailCampaign:
    """A SENDING campaign whose task failed becomes FAILED, keeping the error; it can be sent again."""
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status != EmailCampaign.Status.SENDING:
        return campaign
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "last_error"],
        data={"status": EmailCampaign.Status.FAILED, "last_error": error},
    )
    return campaign


@dataclass(frozen=True)
class EmailCampaignCancellation:
    campaign: EmailCampaign
    # Its emails handed to the SMTP server before the cancel: they are gone.
    sent: int
    # Its emails that will never leave.
    cancelled: int


# Statuses from which a campaign may be cancelled. A DONE campaign has queued
# every email, and may be cancelled while some are not delivered yet.
CAMPAIGN_CANCELLABLE_STATUSES = (
    EmailCampaign.Status.DRAFT,
    EmailCampaign.Status.SENDING,
    EmailCampaign.Status.FAILED,
    EmailCampaign.Status.DONE,
)


@transaction.atomic
def email_campaign_cancel(*, campaign: EmailCampaign, user: BaseUser | None) -> EmailCampaignCancellation:
    """Stop a campaign: no more of its emails are created, and none not yet handed to the SMTP server leaves.

    Under the campaign's lock (a chunk being created commits first, and the
    next finds the campaign CANCELLED): its run is cancelled through the
    task kit (`task_run_cancel`: a run not started never starts), and every
    email of it not yet sent (READY, SENDING, FAILED) becomes CANCELLED in one
    UPDATE under row locks (`email_cancel`). An email being delivered right
    now holds its row until its send commits, so it ends SENT: once this
    returns, no more of the campaign's emails reach the SMTP server, and
    `sent` is final.

    Cancelling a cancelled campaign changes nothing and answers the same. A
    DONE campaign with nothing left that could be sent (each email SENT or
    CANCELLED) is refused (ApplicationError).
    """
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status == EmailCampaign.Status.CANCELLED:
        return _email_campaign_cancellation(campaign=campaign)
    if campaign.status not in CAMPAIGN_CANCELLABLE_STATUSES:
        raise ApplicationError(f"A {campaign.status} campaign cannot be cancelled.", extra={"status": campaign.status})
    emails = email_campaign_email_list(campaign=campaign)
    if campaign.status == EmailCampaign.Status.DONE and not emails.filter(status__in=CANCELLABLE_STATUSES).exists():
        raise ApplicationError(
            "This campaign is done: each of its emails was sent or cancelled; there is nothing to cancel.",
            extra={"status": campaign.status},
        )
    if campaign.task_id:
        task_run_cancel(task_id=campaign.task_id)
    email_cancel(email_ids=emails.values("id"))
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "cancelled_at", "cancelled_by"],
        data={"status": EmailCampaign.Status.CANCELLED, "cancelled_at": timezone.now(), "cancelled_by": user},
    )
    cancellation = _email_campaign_cancellation(campaign=campaign)
    logger.info(
        "Campaign %s cancelled: %d emails sent before, %d cancelled.",
        campaign.id,
        cancellation.sent,
        cancellation.cancelled,
    )
    return cancellation


def _email_campaign_cancellation(*, campaign: EmailCampaign) -> EmailCampaignCancellation:
    counts = email_campaign_status_counts(campaign=campaign)
    return EmailCampaignCancellation(
        campaign=campaign, sent=counts[Email.Status.SENT], cancelled=counts[Email.Status.CANCELLED]
    )


@transaction.atomic
def email_campaign_copy(*, campaign: EmailCampaign, created_by: BaseUser | None) -> EmailCampaign:
    """A new DRAFT with the campaign's subject and message, to send again what a cancelled (or any) campaign said."""
    return email_campaign_create(created_by=created_by, subject=campaign.subject, plain_text=campaign.plain_text)


@transaction.atomic
def email_campaign_reopen(*, campaign_id: int, task_id: str) -> EmailCampaign | None:
    """A FAILED campaign goes back to SENDING for run `task_id`, enqueued by the caller; None if it is gone.

    For the replay of a dead letter of `emails.email_campaign_send`: the run
    sends only a SENDING campaign, and carries on where the failed one stopped.
    A campaign in any other status (sent again by staff meanwhile, or done) is
    left alone, and the run then finds nothing to do.
    """
    campaign = EmailCampaign.objects.select_for_update().filter(id=campaign_id).first()
    if campaign is None or campaign.status != EmailCampaign.Status.FAILED:
        return campaign
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "task_id", "last_error", "finished_at"],
        data={"status": EmailCampaign.Status.SENDING, "task_id": task_id, "last_error": "", "finished_at": None},
    )
    return campaign
