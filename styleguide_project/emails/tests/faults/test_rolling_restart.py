"""A rolling restart mid-campaign: the stopped worker's messages run on the other worker within seconds.

A deploy stops a worker the way systemd (KillMode=mixed) and compose do: SIGTERM
to the worker's main process, then a wait. docker/start-worker turns that SIGTERM
into Celery's soft shutdown (config/settings/celery.py), so the worker lets its
running batch finish and hands back what it had prefetched at once, instead of
leaving it to Redis's visibility timeout (two hours) or to the outbox relay. Both
workers are started by docker/start-worker, as in production.

Printed: how long after the SIGTERM the other worker received every message the
stopped one held, and how long the stopped worker took to exit.
"""

import os
import re
import signal
import time

import pytest
from django.conf import settings

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.emails.tests.faults.conftest import Faults
from testing.brokers import BROKERS
from testing.processes import ManagedProcess, wait_until
from testing.reports import report

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]

EMAILS = 200
# Twenty batches of ten: the stopped worker holds four (its prefetch), one of them running.
BATCH_SIZE = 10
# Each message takes the sink this long: a batch runs for a second or more, so the
# SIGTERM lands while the worker is busy and still holds prefetched messages.
SINK_DELAY_SECONDS = 0.1
# Far below the visibility timeout (CELERY_BROKER_VISIBILITY_TIMEOUT) and the relay's
# OUTBOX_LOST_AFTER_SECONDS: only the worker's own hand-back can be this quick.
MAX_HANDBACK_SECONDS = 30.0

RECEIVED = re.compile(r"Task emails\.email_send_batch\[([0-9a-f-]+)\] received")
SUCCEEDED = re.compile(r"Task emails\.email_send_batch\[([0-9a-f-]+)\] succeeded")


def bulk_worker(faults: Faults, name: str, *extra: str) -> ManagedProcess:
    hostname = f"{name}-{os.getpid()}@localhost"
    worker = ManagedProcess(
        ["docker/start-worker", "bulk", "--concurrency", "1", "--hostname", hostname, *extra],
        env=faults.env,
        name=name,
    ).start()
    worker.hostname = hostname
    faults.workers.append(worker)
    worker.wait_for_output(r"ready\.", timeout=90)
    return worker


@pytest.mark.parametrize("broker_kind", BROKERS, indirect=True)
def test_a_worker_stopped_mid_campaign_hands_its_messages_to_the_other_at_once(faults_factory, broker_kind):
    # given: a campaign under way on one bulk worker, a second one joining as a deploy starts it
    faults = faults_factory(shipped_relay=True, EMAIL_SEND_BATCH_SIZE=str(BATCH_SIZE))
    faults.sink.delay_seconds = SINK_DELAY_SECONDS
    old = bulk_worker(faults, "old")
    EmailFactory.create_batch(EMAILS)
    accepted = len(email_send_all(emails=Email.objects.filter(status=Email.Status.READY), queue="bulk"))
    wait_until(lambda: faults.sink.count() >= 3, timeout=90, what="the old worker sending")
    # Room for everything at once, so what is timed is the hand-back, not this worker's own queue.
    new = bulk_worker(faults, "new", "--prefetch-multiplier", "16")

    # when: the deploy stops the old worker (SIGTERM to its main process) and waits for it
    stopped_at = time.monotonic()
    os.kill(old.pid, signal.SIGTERM)
    assert old.proc is not None
    old.proc.wait(timeout=120)
    exited_after = time.monotonic() - stopped_at

    # then: every message the old worker held but did not finish ran on the new one, within seconds
    held = set(RECEIVED.findall(old.output)) - set(SUCCEEDED.findall(old.output))
    assert held, f"the old worker held no message when it was stopped:\n{old.output[-3000:]}"

    def handed_over() -> bool:
        return held <= set(RECEIVED.findall(new.output))

    wait_until(handed_over, timeout=MAX_HANDBACK_SECONDS, interval=0.2, what="the old worker's messages on the new")
    handback_seconds = time.monotonic() - stopped_at
    faults.wait_all_settled(accepted=accepted, timeout=180)

    counts = faults.report(f"rolling restart, {EMAILS} emails ({broker_kind})", accepted=accepted)
    assert counts["lost"] == 0
    assert counts["duplicates"] == 0
    assert counts["sent"] == accepted
    report(
        "rolling restart (soft shutdown)",
        f"{broker_kind}: {len(held)} messages held by the stopped worker ran on the other "
        f"{handback_seconds:.1f}s after SIGTERM (visibility timeout {settings.CELERY_BROKER_VISIBILITY_TIMEOUT}s); "
        f"the stopped worker exited after {exited_after:.1f}s; lost 0, duplicates 0",
    )
    assert handback_seconds < MAX_HANDBACK_SECONDS
