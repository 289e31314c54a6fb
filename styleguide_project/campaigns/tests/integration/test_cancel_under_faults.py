"""Cancelling a campaign of 2,000 emails mid-send on real workers, one of them killed (SIGKILL) around the cancel
and started again: nothing reaches the SMTP server after the cancel is acknowledged, what was sent before was sent
once, and the rest is CANCELLED.

Run by .ci/run (marker `faults`); the scenario prints where the kill landed and its counts.
"""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_email_list
from styleguide_project.campaigns.services import email_campaign_cancel, email_campaign_launch
from styleguide_project.emails.models import Email
from styleguide_project.emails.services.delivery import email_message_id
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.processes import wait_until
from testing.reports import report

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]

RECIPIENTS = 2000
# Small chunks with a pause, small delivery batches, two pool processes a worker: the campaign is still being
# queued, and several deliveries are in flight, when the cancel comes.
WORKER_ENV = {
    "EMAIL_CAMPAIGN_CHUNK_SIZE": "100",
    "EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS": "0.2",
    "EMAIL_SEND_BATCH_SIZE": "20",
    # The relay brings back the runs the killed worker held: due again after 3 s, its leases after 4 s.
    "OUTBOX_RELAY_INTERVAL_SECONDS": "1",
    "OUTBOX_LOST_AFTER_SECONDS": "3",
    "OUTBOX_RUN_LEASE_SECONDS": "4",
}


def recipients(count: int) -> None:
    """`count` users who receive campaigns (onboarded, active, verified), in one INSERT."""
    now = timezone.now()
    BaseUser.objects.bulk_create(
        BaseUser(email=f"reader{n}@example.com", password="!", onboarded_at=now, email_verified_at=now)
        for n in range(count)
    )


def test_a_campaign_cancelled_mid_send_while_a_worker_is_killed(celery_worker, smtp_sink):
    started = time.monotonic()
    recipients(RECIPIENTS)
    staff = BaseUserFactory.create(is_staff=True)
    # The sink takes a few milliseconds a message, as a relay would: the sending lasts long enough to cut into.
    smtp_sink.delay_seconds = 0.004
    # Both start at once: a worker takes seconds to be ready on a busy machine.
    with ThreadPoolExecutor(2) as pool:
        doomed, _steady = pool.map(
            lambda name: celery_worker(name=name, concurrency=2, env=WORKER_ENV), ["doomed", "steady"]
        )

    workers_up = time.monotonic()
    campaign = email_campaign_launch(created_by=staff, subject="Spring news", plain_text="Hello")
    wait_until(lambda: smtp_sink.count() >= 300, timeout=60, what="300 emails at the sink")

    # The kill lands first; the cancel follows while the killed worker's deliveries are cut off mid-way.
    doomed.kill()
    sink_at_kill = smtp_sink.count()
    created_at_kill = email_campaign_email_list(campaign=campaign).count()
    cancellation = email_campaign_cancel(campaign=campaign, user=staff)
    acknowledged_at = time.monotonic()
    sink_at_cancel = smtp_sink.count()
    celery_worker(name="restarted", concurrency=2, env=WORKER_ENV)

    # Settled: every run is done (the killed worker's came back through the relay and found nothing to send).
    wait_until(
        lambda: not OutboxRun.objects.filter(done_at__isnull=True).exists(),
        timeout=40,
        interval=0.5,
        what="every outbox run done",
    )

    settled = time.monotonic()
    emails = email_campaign_email_list(campaign=campaign)
    by_status = Counter(emails.values_list("status", flat=True))
    sent_ids = {email_message_id(email=email) for email in emails.filter(status=Email.Status.SENT).only("id")}
    cancelled_ids = {email_message_id(email=email) for email in emails.filter(status=Email.Status.CANCELLED).only("id")}
    at_sink = Counter(message.message_id for message in smtp_sink.messages)
    late = [message for message in smtp_sink.messages if message.received_at > acknowledged_at]
    # Handed to the sink by the killed worker, whose commit of SENT died with it: cancelled, never sent again.
    cut_off = set(at_sink) - sent_ids
    report(
        "campaign cancelled under faults",
        f"{RECIPIENTS} recipients: kill at {sink_at_kill} at the sink ({created_at_kill} emails created); "
        f"cancel acknowledged at {sink_at_cancel} at the sink; sent={by_status[Email.Status.SENT]} "
        f"cancelled={by_status[Email.Status.CANCELLED]} created={sum(by_status.values())} "
        f"cut off mid-delivery by the kill={len(cut_off)} after the cancel={len(late)}; "
        f"set-up {workers_up - started:.1f}s, to the cancel {acknowledged_at - workers_up:.1f}s, "
        f"to settled {settled - acknowledged_at:.1f}s",
    )

    assert late == []
    assert smtp_sink.count() == sink_at_cancel
    # Every email sent before the cancel reached the sink exactly once.
    assert all(at_sink[message_id] == 1 for message_id in sent_ids)
    assert set(at_sink) <= sent_ids | cancelled_ids
    # At most one delivery in flight per pool process of the killed worker.
    assert len(cut_off) <= 2
    # All the others are CANCELLED: nothing left SENDING, READY or FAILED.
    assert set(by_status) <= {Email.Status.SENT, Email.Status.CANCELLED}
    assert (cancellation.sent, cancellation.cancelled) == (
        by_status[Email.Status.SENT],
        by_status[Email.Status.CANCELLED],
    )
    assert 0 < cancellation.cancelled
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.CANCELLED
