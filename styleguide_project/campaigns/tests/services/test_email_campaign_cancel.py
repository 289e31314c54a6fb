"""Cancelling a campaign: no more of its emails are created, and none not yet sent ever leaves, by any path."""

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_email_list
from styleguide_project.campaigns.services import (
    RUN_CANCELLED_ERROR,
    email_campaign_cancel,
    email_campaign_copy,
    email_campaign_queue,
    email_campaign_send,
)
from styleguide_project.campaigns.tasks import email_campaign_send as email_campaign_send_task
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import delivery, email_retry, email_send_all
from styleguide_project.emails.tasks.sending import email_send_batch as email_send_batch_task
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import CancelledRun, OutboxRun
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay
from styleguide_project.tasks.outbox.services.runs import task_outbox_relay
from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.services import service_missing

pytestmark = pytest.mark.django_db

S = Email.Status


@pytest.fixture
def onboarded():
    def create(count):
        return BaseUserFactory.create_batch(count, onboarded_at=timezone.now())

    return create


def campaign_with_emails(status, *email_statuses, task_id="run-1"):
    campaign = EmailCampaignFactory.create(status=status, task_id=task_id)
    for email_status in email_statuses:
        EmailCampaignRecipientFactory.create(campaign=campaign, email__status=email_status)
    return campaign


def statuses(campaign):
    return sorted(email_campaign_email_list(campaign=campaign).values_list("status", flat=True))


def test_a_sending_campaign_is_cancelled_with_every_email_not_yet_sent(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.SENDING, S.SENT, S.SENDING, S.READY, S.FAILED)
    other = EmailCampaignRecipientFactory.create(email__status=S.SENDING)

    cancellation = email_campaign_cancel(campaign=campaign, user=staff_user)

    assert (cancellation.sent, cancellation.cancelled) == (1, 3)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.cancelled_by) == (EmailCampaign.Status.CANCELLED, staff_user)
    assert campaign.cancelled_at is not None
    assert statuses(campaign) == [S.CANCELLED] * 3 + [S.SENT]
    # Its run is cancelled through the task kit: wherever its message waits, it never starts.
    assert CancelledRun.objects.filter(task_id="run-1").exists()
    other.email.refresh_from_db()
    assert other.email.status == S.SENDING


@pytest.mark.parametrize("status", [EmailCampaign.Status.DRAFT, EmailCampaign.Status.FAILED])
def test_a_draft_or_failed_campaign_is_cancelled(staff_user, status):
    campaign = campaign_with_emails(status, task_id="")

    cancellation = email_campaign_cancel(campaign=campaign, user=staff_user)

    assert (cancellation.campaign.status, cancellation.sent, cancellation.cancelled) == ("CANCELLED", 0, 0)
    assert CancelledRun.objects.count() == 0


def test_a_done_campaign_is_cancelled_while_some_emails_are_not_sent(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.DONE, S.SENT, S.SENDING)

    cancellation = email_campaign_cancel(campaign=campaign, user=staff_user)

    assert (cancellation.campaign.status, cancellation.sent, cancellation.cancelled) == ("CANCELLED", 1, 1)


def test_a_done_campaign_with_nothing_left_to_send_is_refused(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.DONE, S.SENT, S.CANCELLED)

    with pytest.raises(ApplicationError, match="nothing to cancel") as refused:
        email_campaign_cancel(campaign=campaign, user=staff_user)

    assert refused.value.extra == {"status": "DONE"}
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.DONE


def test_cancelling_twice_answers_the_same_and_changes_nothing(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.SENDING, S.SENT, S.SENDING)
    first = email_campaign_cancel(campaign=campaign, user=staff_user)
    campaign.refresh_from_db()
    before = (campaign.cancelled_at, campaign.cancelled_by_id, campaign.updated_at)

    second = email_campaign_cancel(campaign=campaign, user=BaseUserFactory.create(is_staff=True))

    assert (second.sent, second.cancelled) == (first.sent, first.cancelled) == (1, 1)
    campaign.refresh_from_db()
    assert (campaign.cancelled_at, campaign.cancelled_by_id, campaign.updated_at) == before


def test_the_chunker_stops_between_chunks_once_the_campaign_is_cancelled(
    settings, onboarded, staff_user, django_capture_on_commit_callbacks
):
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 2
    onboarded(6)
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)

    def cancel_after_the_first_chunk(current, total, description):
        if current == 2:
            email_campaign_cancel(campaign=campaign, user=staff_user)

    # The deliveries of the first chunk run (eagerly) after the cancel.
    with django_capture_on_commit_callbacks(execute=True):
        stopped = email_campaign_send(campaign=campaign, on_progress=cancel_after_the_first_chunk)

    assert stopped.status == EmailCampaign.Status.CANCELLED
    assert statuses(campaign) == [S.CANCELLED, S.CANCELLED]
    assert mail.outbox == []


def test_the_chunker_stops_at_its_checkpoint_when_its_run_is_cancelled(settings, onboarded):
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 2
    onboarded(6)
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)
    checks = []

    def is_cancelled():
        checks.append(1)
        return len(checks) > 1

    stopped = email_campaign_send(campaign=campaign, is_cancelled=is_cancelled)

    # Only its run was cancelled (by id, not through the campaign): sending it again carries on.
    assert (stopped.status, stopped.last_error) == (EmailCampaign.Status.FAILED, RUN_CANCELLED_ERROR)
    assert len(statuses(campaign)) == 2


def test_a_run_still_in_the_broker_when_its_campaign_is_cancelled_never_starts(
    onboarded, staff_user, django_capture_on_commit_callbacks
):
    onboarded(3)
    campaign = EmailCampaignFactory.create()
    with django_capture_on_commit_callbacks(execute=False) as published:
        campaign = email_campaign_queue(campaign=campaign, user=staff_user)

    email_campaign_cancel(campaign=campaign, user=staff_user)
    for callback in published:
        callback()

    assert statuses(campaign) == []
    assert OutboxRun.objects.get(task_id=campaign.task_id).done_at is not None
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.CANCELLED


def test_no_path_sends_a_cancelled_campaigns_emails(staff_user, django_capture_on_commit_callbacks):
    campaign = campaign_with_emails(EmailCampaign.Status.SENDING, S.SENDING, S.FAILED)
    emails = list(email_campaign_email_list(campaign=campaign))
    ids = [email.id for email in emails]
    # A delivery run the fast path never published: the relay publishes it after the cancel.
    OutboxRun.objects.create(
        task_id="batch-run",
        task_name=email_send_batch_task.name,
        kwargs={"email_ids": ids},
        created_at=timezone.now() - timedelta(minutes=5),
    )
    # The dead letters of a delivery run and of the campaign's run.
    batch_letter = DeadLetterFactory.create(task_name=email_send_batch_task.name, kwargs={"email_ids": ids})
    run_letter = DeadLetterFactory.create(
        task_name=email_campaign_send_task.name, task_id="run-1", kwargs={"campaign_id": campaign.id}
    )

    email_campaign_cancel(campaign=campaign, user=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        # A delivery already queued, or a retry of one (same run, same emails).
        email_send_batch_task.apply_async(kwargs={"email_ids": ids})
        # The relay.
        assert task_outbox_relay(app=celery_app).published == 1
        # Queueing them again, retrying one.
        assert email_send_all(emails=emails) == []
        with pytest.raises(ApplicationError, match="Only FAILED emails can be retried"):
            email_retry(email=emails[1])
        # Replaying the delivery's dead letter: its emails are not FAILED any more, so nothing is reopened.
        dead_letter_replay(dead_letter=batch_letter)
        # Replaying the campaign run's dead letter: refused, its run was cancelled.
        with pytest.raises(ApplicationError, match="which was cancelled"):
            dead_letter_replay(dead_letter=run_letter)
        # Sending the campaign again: refused, naming its status.
        with pytest.raises(ApplicationError, match="This campaign is CANCELLED"):
            email_campaign_queue(campaign=campaign, user=staff_user)

    assert statuses(campaign) == [S.CANCELLED, S.CANCELLED]
    assert mail.outbox == []


def test_the_replay_of_an_older_run_leaves_a_cancelled_campaign_alone(staff_user, django_capture_on_commit_callbacks):
    # An earlier run failed (its letter is left), staff sent it again as run-1, then cancelled it.
    campaign = campaign_with_emails(EmailCampaign.Status.SENDING, S.SENT)
    letter = DeadLetterFactory.create(
        task_name=email_campaign_send_task.name, task_id="run-0", kwargs={"campaign_id": campaign.id}
    )
    email_campaign_cancel(campaign=campaign, user=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        dead_letter_replay(dead_letter=letter)

    campaign.refresh_from_db()
    assert (campaign.status, campaign.task_id) == (EmailCampaign.Status.CANCELLED, "run-1")
    assert statuses(campaign) == [S.SENT]


def test_a_copy_is_a_new_draft_with_the_same_subject_and_message(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.CANCELLED, S.SENT)

    copy = email_campaign_copy(campaign=campaign, created_by=staff_user)

    assert copy.id != campaign.id
    assert (copy.status, copy.subject, copy.plain_text, copy.created_by, copy.task_id) == (
        EmailCampaign.Status.DRAFT,
        campaign.subject,
        campaign.plain_text,
        staff_user,
        "",
    )
    assert statuses(copy) == []


@pytest.mark.django_db(transaction=True)
def test_an_email_being_delivered_during_the_cancel_ends_sent_and_the_cancel_waits_for_it(monkeypatch):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: SQLite has no row locks")
    campaign = campaign_with_emails(EmailCampaign.Status.DONE, S.SENDING, S.SENDING)
    in_flight, waiting = email_campaign_email_list(campaign=campaign)
    staff = BaseUserFactory.create(is_staff=True)
    sending, release = threading.Event(), threading.Event()
    send = delivery.email_connection_send

    def slow_send(message):
        # The SMTP server is taking its time over this message; the email's row is locked meanwhile.
        sending.set()
        assert release.wait(timeout=10)
        return send(message)

    monkeypatch.setattr(delivery, "email_connection_send", slow_send)
    outcome: dict[str, Any] = {}

    def deliver():
        try:
            outcome["sent"] = delivery.email_send_batch(email_ids=[in_flight.id])
        finally:
            connection.close()

    def cancel():
        try:
            outcome["cancellation"] = email_campaign_cancel(campaign=campaign, user=staff)
            outcome["cancelled_at"] = time.monotonic()
        finally:
            connection.close()

    delivering = threading.Thread(target=deliver)
    delivering.start()
    assert sending.wait(timeout=10)
    cancelling = threading.Thread(target=cancel)
    cancelling.start()
    time.sleep(0.5)
    # The cancel waits on the row of the email being sent.
    assert "cancellation" not in outcome
    released_at = time.monotonic()
    release.set()
    delivering.join(timeout=10)
    cancelling.join(timeout=10)

    assert outcome["sent"] == [in_flight.id]
    assert outcome["cancelled_at"] > released_at
    assert (outcome["cancellation"].sent, outcome["cancellation"].cancelled) == (1, 1)
    in_flight.refresh_from_db()
    waiting.refresh_from_db()
    assert (in_flight.status, waiting.status) == (S.SENT, S.CANCELLED)
    assert [message.to for message in mail.outbox] == [[in_flight.to]]
