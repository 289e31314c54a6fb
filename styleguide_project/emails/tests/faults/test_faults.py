"""Fault injection on real services: every accepted email ends SENT, none is lost.

Run by .ci/run (marker `faults`); each scenario prints its counts.
"""

import time
from functools import partial

import pytest
from django.db import connection

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.emails.tests.faults.conftest import Faults
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.slow]


def queue_batch(size: int) -> int:
    EmailFactory.create_batch(size)
    return len(email_send_all(emails=Email.objects.filter(status=Email.Status.READY)))


def sent() -> int:
    return Email.objects.filter(status=Email.Status.SENT).count()


def delivered_at_least(faults: Faults, count: int) -> bool:
    return faults.sink.count() >= count


def assert_nothing_lost(counts: dict[str, int], *, max_duplicates: int) -> None:
    assert counts["lost"] == 0
    assert counts["sent"] == counts["accepted"]
    assert counts["duplicates"] <= max_duplicates


def test_worker_killed_three_times_during_a_batch(faults_factory):
    # One pool process: a kill interrupts at most one delivery, so at most one duplicate per kill.
    faults = faults_factory()
    worker = faults.start_worker(concurrency=1)

    accepted = queue_batch(500)
    for threshold in (60, 200, 350):
        wait_until(partial(delivered_at_least, faults, threshold), timeout=90, what=f"{threshold} deliveries")
        faults.kill_worker(worker)
        worker = faults.start_worker(concurrency=1)
    faults.wait_all_settled(accepted=accepted, timeout=180)

    counts = faults.report("kill -9 worker x3, 500 emails", accepted=accepted)
    assert_nothing_lost(counts, max_duplicates=faults.kills)


@pytest.mark.parametrize(
    ("broker_kind", "appendonly"),
    [("redis", True), ("redis", False), ("rabbitmq", True)],
    ids=["redis-with-aof", "redis-without-persistence", "rabbitmq-quorum"],
    indirect=["broker_kind"],
)
def test_broker_stopped_during_a_batch(faults_factory, broker_kind, appendonly):
    faults = faults_factory(appendonly=appendonly)
    faults.start_worker()

    accepted = queue_batch(300)
    wait_until(lambda: faults.sink.count() >= 30, timeout=60, what="the first deliveries")
    faults.broker_stop()
    time.sleep(4)  # the outage itself
    faults.broker_start()
    faults.wait_all_settled(accepted=accepted, timeout=180)

    if broker_kind == "rabbitmq":
        name = "rabbitmq unreachable 4s (connections cut), 300 emails, quorum queues"
    else:
        name = f"redis stopped 4s, 300 emails, {'with appendonly' if appendonly else 'without persistence'}"
    counts = faults.report(name, accepted=accepted)
    assert_nothing_lost(counts, max_duplicates=0 if appendonly else 2)


def test_broker_down_while_onboarding_requests_arrive(faults_factory, api_client, broker_kind):
    faults = faults_factory()
    faults.broker_stop()
    users = BaseUserFactory.create_batch(10)

    statuses = []
    for user in users:
        api_client.force_authenticate(user)
        statuses.append(api_client.post("/api/users/me/onboarding/complete/").status_code)

    assert statuses == [200] * 10
    assert Email.objects.filter(status=Email.Status.SENDING).count() == 10
    faults.broker_start()
    faults.start_worker()
    faults.wait_all_settled(accepted=10, timeout=120)

    counts = faults.report(f"{broker_kind} down during 10 onboarding requests", accepted=10)
    assert_nothing_lost(counts, max_duplicates=0)
    assert sorted(m.to[0] for m in faults.sink.messages) == sorted(u.email for u in users)


def terminate_other_backends(*, for_seconds: float) -> int:
    """Terminate every other connection to the test database, again and again for a while.

    Workers keep their connection between tasks and check it before reuse, so
    a connection killed while idle is replaced quietly; a short burst of
    sweeps also hits deliveries mid-flight, which is the harder case.
    """
    terminated = 0
    deadline = time.monotonic() + for_seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            terminated += cursor.fetchone()[0]
        time.sleep(0.05)
    return terminated


def test_postgres_connections_dropped_during_a_batch(faults_factory):
    faults = faults_factory()
    worker = faults.start_worker()

    accepted = queue_batch(300)
    terminated = 0
    for threshold in (40, 120, 200):
        wait_until(partial(delivered_at_least, faults, threshold), timeout=90, what=f"{threshold} deliveries")
        terminated += terminate_other_backends(for_seconds=1.0)
    faults.wait_all_settled(accepted=accepted, timeout=180)

    counts = faults.report(f"PostgreSQL backends terminated ({terminated}) in 3 bursts, 300 emails", accepted=accepted)
    assert terminated >= 3
    # A connection killed after the SMTP server took the message and before
    # the commit means one more delivery (same Message-ID): at most one each.
    assert_nothing_lost(counts, max_duplicates=terminated)
    assert "OperationalError" in worker.output or "InterfaceError" in worker.output


def test_smtp_refuses_then_accepts(faults_factory):
    faults = faults_factory(TASK_MAX_RETRIES="6")
    faults.sink.refuse_with = "451 4.3.0 Try again later"
    faults.start_worker()

    accepted = queue_batch(20)
    wait_until(
        lambda: Email.objects.filter(attempts__gte=2).count() == accepted, timeout=60, what="every email refused twice"
    )
    faults.sink.refuse_with = None
    faults.wait_all_settled(accepted=accepted, timeout=90)

    counts = faults.report("SMTP refuses, then accepts, 20 emails", accepted=accepted)
    assert_nothing_lost(counts, max_duplicates=0)
    assert min(Email.objects.values_list("attempts", flat=True)) >= 3


def test_smtp_always_refuses(faults_factory):
    faults = faults_factory(TASK_MAX_RETRIES="2")
    faults.sink.refuse_with = "554 5.7.1 Rejected"
    worker = faults.start_worker()

    accepted = queue_batch(10)
    faults.wait_all_settled(accepted=accepted, timeout=90)

    # The failure handler logs after it has committed FAILED.
    wait_until(lambda: worker.output.count("failed for good") >= accepted, timeout=10, what="the failure log lines")
    counts = faults.report("SMTP always refuses, 10 emails, TASK_MAX_RETRIES=2", accepted=accepted)
    assert counts["failed"] == accepted
    assert counts["delivered"] == 0
    for email in Email.objects.all():
        assert email.attempts == 3
        assert email.last_error.startswith("SMTPDataError: (554")
        # _email_send_failure ran exactly once for each email.
        assert worker.output.count(f"Email {email.id} failed for good") == 1
