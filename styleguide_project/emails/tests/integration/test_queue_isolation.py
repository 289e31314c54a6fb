"""Queues by workload, on real processes: a campaign in progress does not delay an onboarding email.

One worker pool per queue, sized as docker/start-worker sizes them, on real
Redis, PostgreSQL and an SMTP sink. A 5,000-email campaign is sending when
users complete onboarding over the API; each onboarding email must reach the
sink within a second of the request, while thousands of campaign emails are
still queued on the bulk queue.
"""

import statistics
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework.test import APIClient

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_email_list
from styleguide_project.campaigns.services import email_campaign_launch
from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from testing.processes import wait_until
from testing.reports import report

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CAMPAIGN_SIZE = 5_000
ONBOARDINGS = 5
MAX_DELAY_SECONDS = 1.0

# The pools of docker/start-worker: (queue, concurrency, prefetch multiplier).
POOLS = [("transactional", 2, 1), ("bulk", 2, 4), ("maintenance", 1, 1)]


def test_a_campaign_in_progress_does_not_delay_onboarding_emails(celery_worker, smtp_sink, staff_user):
    # given: one pool per queue, 5,000 onboarded users and a few who are not (all verified: a campaign's audience)
    for queue, concurrency, prefetch in POOLS:
        celery_worker(
            name=f"pool-{queue}",
            concurrency=concurrency,
            extra=("-Q", queue, "--prefetch-multiplier", str(prefetch)),
            # Chunks of 1,000: each commit queues 20 batches at once, so the
            # bulk queue holds a backlog while the campaign sends.
            env={"EMAIL_CAMPAIGN_CHUNK_SIZE": "1000"},
        )
    password = make_password(None)
    now = timezone.now()
    BaseUser.objects.bulk_create(
        BaseUser(email=f"reader{n}@example.com", password=password, onboarded_at=now, email_verified_at=now)
        for n in range(CAMPAIGN_SIZE)
    )
    newcomers = BaseUser.objects.bulk_create(
        BaseUser(email=f"newcomer{n}@example.com", password=password, email_verified_at=now)
        for n in range(2 * ONBOARDINGS)
    )
    bulk_queue = _redis_queue_length(settings.TASK_QUEUE_BULK)
    # Without a campaign, for comparison (and so the pool's processes have connected).
    idle = [_onboarding_delay(newcomer, smtp_sink) for newcomer in newcomers[:ONBOARDINGS]]

    # when: the campaign is sending, the other newcomers complete onboarding one by one
    started = time.monotonic()
    campaign = email_campaign_launch(created_by=staff_user, subject="News", plain_text="What is new.")
    wait_until(lambda: bulk_queue() >= 10, timeout=120, interval=0.05, what="a backlog on the bulk queue")

    figures = []
    for newcomer in newcomers[ONBOARDINGS:]:
        queued = bulk_queue()
        delay = _onboarding_delay(newcomer, smtp_sink)
        campaign_sent = sum(1 for m in smtp_sink.messages if m.to[0].startswith("reader"))
        figures.append((delay, campaign_sent, queued))

    # then: every onboarding email arrived within the bound while the campaign was still sending
    def campaign_delivered() -> bool:
        campaign.refresh_from_db()
        unsent = email_campaign_email_list(campaign=campaign).exclude(status=Email.Status.SENT)
        return campaign.status == EmailCampaign.Status.DONE and not unsent.exists()

    wait_until(campaign_delivered, timeout=300, interval=0.5, what="the whole campaign SENT")
    # Its readers, and the newcomers who had onboarded before it started.
    campaign_emails = email_campaign_email_list(campaign=campaign).count()
    assert campaign_emails == CAMPAIGN_SIZE + ONBOARDINGS
    drained = time.monotonic() - started
    delays = [delay for delay, _, _ in figures]
    message_ids = [m.message_id for m in smtp_sink.messages]
    accepted = campaign_emails + 2 * ONBOARDINGS
    done = Email.objects.filter(status=Email.Status.SENT).count()
    lost = accepted - len(set(message_ids))
    duplicates = len(message_ids) - len(set(message_ids))
    report(
        "queue isolation: onboarding emails during a campaign",
        f"accepted={accepted} done={done} lost={lost} duplicates={duplicates}; "
        f"campaign of {campaign_emails} drained in {drained:.1f} s; onboarding emails during it "
        f"{len(figures)}; request->sink median {statistics.median(delays):.3f} s, "
        f"max {max(delays):.3f} s (no campaign: median {statistics.median(idle):.3f} s, max {max(idle):.3f} s); "
        "at each request: "
        + ", ".join(f"{sent} campaign emails sent, {queued} bulk batches queued" for _, sent, queued in figures),
    )
    assert max(delays) < MAX_DELAY_SECONDS, figures
    # The campaign was still sending when the last onboarding email arrived.
    assert figures[-1][1] < CAMPAIGN_SIZE, figures
    assert all(queued > 0 for _, _, queued in figures), figures
    # Nothing lost, nothing twice: every email once at the sink.
    assert (lost, duplicates, done) == (0, 0, accepted)


def _onboarding_delay(user: BaseUser, sink) -> float:
    """Seconds from the onboarding request to its email at the sink."""
    client = APIClient()
    client.force_authenticate(user)
    requested = time.monotonic()
    response = client.post("/api/users/me/onboarding/complete/")
    assert response.status_code == 200
    message = wait_until(
        lambda: next((m for m in sink.messages if m.to == [user.email]), None),
        timeout=30,
        interval=0.01,
        what=f"the onboarding email of {user.email}",
    )
    time.sleep(0.3)
    return float(message.received_at - requested)


def _redis_queue_length(queue: str):
    """How many messages wait in `queue` on the test's Redis broker."""
    import redis

    from styleguide_project.tasks.app.celery import app as celery_app

    client = redis.Redis.from_url(celery_app.conf.broker_url)
    return lambda: int(client.llen(queue))
