"""Fault injection on the task outbox: what a request accepted is published by the workers' relay, once.

Run by .ci/run (marker `faults`); each scenario prints its counts. No beat runs
in these scenarios: the relay inside each worker is the one mechanism that
brings back what the broker did not get.
"""

import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.emails.models import Email
from styleguide_project.emails.services.delivery import email_message_id
from styleguide_project.emails.services.summary import email_failed_summary_send
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.emails.tests.faults.conftest import FAULT_REPORTS, Faults
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services import enqueue
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit, task_outbox_publish
from styleguide_project.tasks.tests.probe_tasks import probe_record
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.processes import ROOT, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]

# The promise: runs stranded while the broker was down are published within
# this many seconds of it answering again, with the product's relay settings.
PUBLISHED_WITHIN_SECONDS = 60


def report(scenario: str, counts: Mapping[str, object]) -> None:
    FAULT_REPORTS.append(f"{scenario}: " + " ".join(f"{key}={value}" for key, value in counts.items()))


def deliveries(faults: Faults) -> Counter[str]:
    """How many times the SMTP sink received each Message-ID."""
    return Counter(message.message_id for message in faults.sink.messages)


def delivered_emails(faults: Faults) -> dict[int, int]:
    """Deliveries per email id, matched by the Message-IDs at the sink."""
    email_ids = {email_message_id(email=email): email.id for email in Email.objects.only("id")}
    found: dict[int, int] = {}
    for message_id, count in deliveries(faults).items():
        assert message_id in email_ids, f"a message the project did not send: {message_id}"
        found[email_ids[message_id]] = count
    return found


def test_broker_and_beat_down_while_onboardings_campaigns_and_a_summary_are_accepted(faults_factory, api_client):
    # The product's relay settings: every worker runs one, no beat at all.
    faults = faults_factory(shipped_relay=True)
    faults.start_worker()
    users = BaseUserFactory.create_batch(200)
    staff = BaseUserFactory.create(is_staff=True, permissions=["campaigns.add_emailcampaign"])
    # A day with failures, for the summary.
    EmailFactory.create_batch(3, status=Email.Status.FAILED)
    already_failed = set(Email.objects.values_list("id", flat=True))

    faults.broker_stop()
    answers: Counter[int] = Counter()
    for user in users:
        api_client.force_authenticate(user)
        answers[api_client.post("/api/users/me/onboarding/complete/").status_code] += 1
    api_client.force_authenticate(staff)
    for number in range(5):
        body = {"subject": f"Campaign {number}", "plain_text": "News for everyone."}
        answers[api_client.post("/api/emails/campaigns/", body, format="json").status_code] += 1
    summary = email_failed_summary_send(day=timezone.localdate())

    assert answers == Counter({200: 200, 202: 5})
    assert summary is not None
    accepted_runs = set(OutboxRun.objects.values_list("task_id", flat=True))
    # 200 onboarding emails, 5 campaign runs, the summary email: none published.
    assert len(accepted_runs) == 206
    assert not OutboxRun.objects.filter(published_at__isnull=False).exists()
    assert EmailCampaign.objects.filter(status=EmailCampaign.Status.SENDING).count() == 5

    faults.broker_start()
    back = time.monotonic()
    wait_until(
        lambda: not OutboxRun.objects.filter(task_id__in=accepted_runs, published_at__isnull=True).exists(),
        timeout=PUBLISHED_WITHIN_SECONDS,
        interval=0.5,
        what="every stranded run published by a worker's relay",
    )
    published_after = time.monotonic() - back
    # Every campaign email goes to the 200 onboarded users; the staff member is not onboarded.
    expected = 200 + 5 * 200 + 1

    def all_done() -> bool:
        return (
            EmailCampaign.objects.filter(status=EmailCampaign.Status.DONE).count() == 5
            and Email.objects.filter(status=Email.Status.SENT).count() >= expected
        )

    wait_until(all_done, timeout=240, interval=1, what=f"5 campaigns DONE and {expected} emails SENT")
    delivered_after = time.monotonic() - back
    # Late duplicates, if any, would arrive now.
    time.sleep(2)

    delivered = delivered_emails(faults)
    should_deliver = set(Email.objects.exclude(id__in=already_failed).values_list("id", flat=True))
    counts = {
        "accepted_requests": sum(answers.values()),
        "accepted_runs": len(accepted_runs),
        "emails": len(should_deliver),
        "delivered": len(delivered),
        "duplicates": sum(n - 1 for n in delivered.values()),
        "lost": len(should_deliver - set(delivered)),
        "campaigns_done": EmailCampaign.objects.filter(status=EmailCampaign.Status.DONE).count(),
        "runs_done": OutboxRun.objects.filter(done_at__isnull=False).count(),
        "runs_total": OutboxRun.objects.count(),
        "published_s": round(published_after, 1),
        "delivered_s": round(delivered_after, 1),
    }
    report("broker and beat down: 200 onboardings, 5 campaigns, 1 summary (worker relays)", counts)
    assert len(should_deliver) == expected
    assert counts["lost"] == 0
    assert counts["duplicates"] == 0
    assert set(delivered) == should_deliver
    assert Email.objects.filter(id__in=should_deliver).exclude(status=Email.Status.SENT).count() == 0
    assert summary.id in delivered
    wait_until(
        lambda: not OutboxRun.objects.filter(done_at__isnull=True).exists(), timeout=30, what="every run marked done"
    )


def test_web_process_killed_between_commit_and_publish_50_times(faults_factory):
    faults = faults_factory(shipped_relay=True)
    users = BaseUserFactory.create_batch(50)

    crash = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "styleguide_project.emails.tests.faults.crash_between_commit_and_publish"]
        + [str(user.id) for user in users],
        cwd=ROOT,
        env=faults.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "crashed=50 other=0" in crash.stdout, crash.stdout + crash.stderr

    # Where the fault landed: after the commit (users onboarded, emails
    # SENDING, outbox rows written), before the publish (none published,
    # nothing on the broker).
    onboarded = BaseUser.objects.filter(id__in=[user.id for user in users], onboarded_at__isnull=False).count()
    sending = Email.objects.filter(status=Email.Status.SENDING).count()
    unpublished = OutboxRun.objects.filter(published_at__isnull=True).count()
    on_broker = faults.queued()
    assert (onboarded, sending, unpublished, on_broker) == (50, 50, 50, 0)

    # A worker comes up (the product's relay settings) and its relay publishes them.
    started = time.monotonic()
    faults.start_worker()
    wait_until(
        lambda: Email.objects.filter(status=Email.Status.SENT).count() == 50,
        timeout=PUBLISHED_WITHIN_SECONDS + 60,
        interval=0.5,
        what="the 50 onboarding emails sent",
    )
    recovered_after = time.monotonic() - started
    time.sleep(2)

    delivered = delivered_emails(faults)
    emails = set(Email.objects.values_list("id", flat=True))
    counts = {
        "kills": 50,
        "landed": "after-commit-before-publish",
        "committed": onboarded,
        "published_before_kill": on_broker,
        "delivered": len(delivered),
        "duplicates": sum(n - 1 for n in delivered.values()),
        "lost": len(emails - set(delivered)),
        "relay_s": round(recovered_after, 1),
    }
    report("web process SIGKILLed between commit and publish x50 (worker relay)", counts)
    assert counts["lost"] == 0
    assert counts["duplicates"] == 0
    assert sorted(m.to[0] for m in faults.sink.messages) == sorted(user.email for user in users)


def test_two_relays_and_the_fast_path_race_over_5000_runs(faults_factory, monkeypatch):
    # Two workers whose relays look every 0.1 s at runs of any age: they take
    # the rows while the fast path is still publishing them. A short lease
    # brings back, within the test, the copies that found a run busy.
    # The race is over the runs not yet marked published; the scan for runs
    # the broker lost is left to its shipped wait, beyond the test.
    faults = faults_factory(
        OUTBOX_RELAY_INTERVAL_SECONDS="0.1",
        OUTBOX_RELAY_AFTER_SECONDS="0",
        OUTBOX_MARK_BATCH_SECONDS="0",
        OUTBOX_RUN_LEASE_SECONDS="5",
        OUTBOX_LOST_AFTER_SECONDS="120",
    )
    workers = [faults.start_worker(extra=("--include", "styleguide_project.tasks.tests.probe_tasks")) for _ in range(2)]
    executions_key = "probe-executions"
    kwargs = {"redis_url": faults.redis.url(2), "key": executions_key}
    fast_path: list[int] = []

    def counted_publish(**publish_kwargs: Any) -> int:
        published = task_outbox_publish(**publish_kwargs)
        fast_path.append(published)
        return published

    # The real fast path, counted (the on-commit callback looks it up in its module).
    monkeypatch.setattr(enqueue, "task_outbox_publish", counted_publish)

    with transaction.atomic():
        task_ids = task_enqueue_on_commit(task=probe_record, kwargs_list=[kwargs] * 5000)
    assert fast_path == [5000]
    wait_until(
        lambda: OutboxRun.objects.filter(done_at__isnull=False).count() == 5000,
        timeout=300,
        interval=1,
        what="5,000 runs done",
    )

    def logs() -> str:
        return "\n".join(worker.output for worker in workers)

    def relay_published() -> int:
        return sum(int(n) for n in re.findall(r"Outbox relay published (\d+) runs", logs()))

    def received() -> int:
        return len(re.findall(r"Task tests\.probe_record\[[0-9a-f-]+\] received", logs()))

    def waited() -> int:
        return logs().count("is running elsewhere; this copy waits")

    # Every copy sent reaches a worker (copies that found a run busy come back
    # once its 5 s lease lapses), and every one of them has finished.
    def all_copies_handled() -> bool:
        if faults.queued() or received() < 5000 + relay_published() + waited():
            return False
        finished = len(re.findall(r"Task tests\.probe_record\[[0-9a-f-]+\] succeeded", logs()))
        return finished >= received()

    wait_until(all_copies_handled, timeout=120, interval=1, what="every published copy received and finished")

    executions = Counter(redis.Redis.from_url(faults.redis.url(2), decode_responses=True).lrange(executions_key, 0, -1))
    text = logs()
    counts = {
        "runs": len(task_ids),
        "fast_path_published": fast_path[0],
        "relay_published": relay_published(),
        "republished_by_waiting_copies": waited(),
        "duplicates_published": fast_path[0] + relay_published() - len(task_ids),
        "copies_received": received(),
        "copies_found_done": text.count("already ran to the end; this copy does nothing"),
        "executions": sum(executions.values()),
        "run_twice": sum(1 for n in executions.values() if n > 1),
        "lost": len(set(task_ids) - set(executions)),
    }
    report("2 relays (0.1 s, no wait) + fast path racing over 5,000 runs", counts)
    assert set(executions) == set(task_ids)
    assert counts["run_twice"] == 0
    assert counts["lost"] == 0
    # The race did happen: the relays published copies the fast path published too.
    assert counts["duplicates_published"] > 0
