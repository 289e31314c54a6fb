"""The sending rate's Redis restarted in the middle of a campaign: nothing lost, the rate kept at the sink."""

import time

import pytest

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.emails.tests.factories import EmailFactory
from testing.processes import wait_until
from testing.smtp import highest_in_one_second

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]

RATE = 150
CAMPAIGN = 2_000


# The rate's Redis is a server of its own, apart from the broker: one broker is enough.
@pytest.mark.parametrize("broker_kind", ["redis"], indirect=True)
def test_the_rate_redis_restarted_during_a_campaign(faults_factory, redis_server_factory, broker_kind):
    rate_redis = redis_server_factory(appendonly=False)
    faults = faults_factory(
        EMAIL_SEND_RATE=f"{RATE}/s",
        EMAIL_SEND_RATE_REDIS_URL=rate_redis.url(0),
        EMAIL_SEND_RATE_REDIS_PATIENCE_SECONDS="20",
    )
    # Two workers of two processes each share the one rate.
    faults.start_worker(concurrency=2)
    faults.start_worker(concurrency=2)

    EmailFactory.create_batch(CAMPAIGN, bulk=True)
    started = time.monotonic()
    accepted = len(email_send_all(emails=Email.objects.filter(status=Email.Status.READY)))
    wait_until(lambda: faults.sink.count() >= CAMPAIGN // 3, timeout=60, what="the campaign under way")
    # Restarted without persistence: the rate's state is lost with it.
    rate_redis.stop()
    restarted_at = faults.sink.count()
    time.sleep(1)
    rate_redis.start()
    faults.wait_all_settled(accepted=accepted, timeout=120)
    seconds = time.monotonic() - started

    arrivals = [message.received_at for message in faults.sink.messages]
    highest = highest_in_one_second(arrivals)
    counts = faults.report(
        f"rate's Redis restarted (down 1 s) at {restarted_at} of {accepted} sent, {RATE}/s, "
        f"highest in one second {highest}, {seconds:.0f} s",
        accepted=accepted,
    )
    assert counts["lost"] == 0
    assert counts["duplicates"] == 0
    assert counts["sent"] == accepted == CAMPAIGN
    assert 0 < restarted_at < CAMPAIGN
    assert highest <= RATE
