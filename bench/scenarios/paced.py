"""paced: a campaign at EMAIL_SEND_RATE across two worker hosts while transactional emails arrive.

Hosts on this machine (testing/hosts.py, network namespaces; needs root):
`services` (PostgreSQL, the run's Redis: broker, cache and the rate, and the
SMTP sink, each through a forward) and `worker1`, `worker2`, each with a bulk
worker of 2 processes and a transactional worker of 1, as the compose file
deploys them (one pool per queue). A campaign of N emails is queued at once
on the bulk queue while the bench queues a transactional email 5 times a
second, until the campaign is done.

Figures, from the sink's clock: the highest count of messages in any one
second (at most the rate), the share of the rate the campaign used (messages
over the time from the first to the last), and the transactional emails'
delay from queued to received at the sink (p50, p99).
"""

import signal
import threading
import time
from typing import Any

from django.db import connection

from bench.emails import emails_create, emails_reset
from bench.harness import DATABASE_NAME, Bench, ScenarioResult, Target, fmt, percentile
from bench.sink import Sink
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from testing.hosts import POSTGRES_SOCKET, TestBed, namespaces_missing_reason
from testing.processes import celery_command, wait_until
from testing.smtp import SmtpSink, highest_in_one_second

RATE = 100
TRANSACTIONAL_PER_SECOND = 5


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    # Batches of EMAIL_SEND_BATCH_SIZE (50) in whole rounds over the 4 bulk processes.
    count = bench.size(2_000, 400)
    reason = namespaces_missing_reason()
    if reason is not None:
        raise RuntimeError(f"the paced scenario runs on the multi-host test bed, which {reason}")
    emails_reset()
    first, last = emails_create(count=count, tag="campaign")
    Email.objects.filter(id__gte=first, id__lte=last).update(bulk=True)
    smtp = SmtpSink()
    with smtp.running():
        bed = TestBed()
        try:
            _workers_start(bench, bed, smtp)
            calls_before = _script_calls(bench)
            figures = _campaign(count=count, first=first, last=last, smtp=smtp)
            # Per email the campaign and the transactional ones sent (and the warm-up).
            sent = count + figures["transactional_emails"] + 1
            figures["rate_calls_per_email"] = round((_script_calls(bench) - calls_before) / sent, 2)
        finally:
            # Every worker shuts down at once; the bed then waits for each.
            for process in bed.processes:
                process.signal(signal.SIGTERM)
            bed.teardown()
    emails_reset()

    result = ScenarioResult(
        figures=figures,
        targets=[
            Target(
                "highest_in_one_second",
                f"highest count at the SMTP sink in any one second, at {RATE}/s",
                figures["highest_in_one_second"],
                RATE,
                "max",
            ),
            Target("share_of_rate", "share of the rate the campaign used", figures["share_of_rate"], 0.9, "min"),
            Target(
                "transactional_delay_p99_s",
                "transactional emails' delay during the campaign, p99 (s)",
                figures["transactional_delay_p99_ms"] / 1000,
                1.0,
                "max",
            ),
        ],
    )
    result.rows += [
        (f"campaign of {count:,} at {RATE}/s on 2 hosts (s)", fmt(figures["campaign_seconds"]), "", ""),
        ("highest in any one second at the sink", str(figures["highest_in_one_second"]), "", f"rate {RATE}"),
        ("campaign emails/s", fmt(figures["campaign_emails_per_second"]), "", f"{figures['share_of_rate']:.0%}"),
        ("the rate's Redis calls per email", fmt(figures["rate_calls_per_email"], 2), "", "EVALSHA"),
        (
            f"transactional at {TRANSACTIONAL_PER_SECOND}/s: delay p50 / p99 (ms)",
            f"{fmt(figures['transactional_delay_p50_ms'])} / {fmt(figures['transactional_delay_p99_ms'])}",
            "",
            f"{figures['transactional_emails']} emails",
        ),
    ]
    return result


def _script_calls(bench: Bench) -> int:
    """The rate's script calls the run's Redis has answered so far."""
    import redis

    stats = redis.Redis.from_url(bench.cache_url).info("commandstats")
    return sum(int(stats.get(name, {}).get("calls", 0)) for name in ("cmdstat_evalsha", "cmdstat_eval"))


def _workers_start(bench: Bench, bed: TestBed, smtp: SmtpSink) -> None:
    for name in ("services", "worker1", "worker2"):
        bed.add_host(name)
    services = bed.hosts["services"].address
    redis_port = int(bench.redis_base.rsplit(":", 1)[1])
    bed.forward_to_socket("services", 5432, POSTGRES_SOCKET, name="paced-postgres")
    bed.forward_to_loopback("services", 6379, redis_port, name="paced-redis")
    bed.forward_to_loopback("services", 1025, smtp.port, name="paced-smtp")
    broker_db, cache_db = bench.broker_url.rsplit("/", 1)[1], bench.cache_url.rsplit("/", 1)[1]
    env = bench.env(
        DATABASE_URL=f"postgres://postgres@{services}:5432/{DATABASE_NAME}",
        CELERY_BROKER_URL=f"redis://{services}:6379/{broker_db}",
        # The cache's Redis is the rate's too (EMAIL_SEND_RATE_REDIS_URL unset).
        REDIS_URL=f"redis://{services}:6379/{cache_db}",
        EMAIL_URL=f"smtp://{services}:1025",
        EMAIL_SEND_RATE=f"{RATE}/s",
    )
    workers = []
    for host in ("worker1", "worker2"):
        for queue, concurrency in (("bulk", 2), ("transactional", 1)):
            args = celery_command(
                "worker",
                *("--loglevel", "INFO", "-Q", queue, "--concurrency", str(concurrency)),
                *("--hostname", f"{queue}-{host}@%h", "--without-mingle", "--without-gossip"),
            )
            workers.append(bed.run(host, args, env=env, name=f"bench-paced-{host}-{queue}"))
    for worker in workers:
        worker.wait_for_output(r"ready\.", timeout=120)


def _campaign(*, count: int, first: int, last: int, smtp: SmtpSink) -> dict[str, Any]:
    queued_at: dict[str, float] = {}
    done = threading.Event()

    def transactional() -> None:
        # A person's email (verification, reset) every 1/5 s while the campaign goes out.
        try:
            index = 0
            while not done.is_set():
                address = f"person-{index}@example.com"
                email = Email.objects.create(to=address, subject="Your code", html="<p>1234</p>", plain_text="1234")
                queued_at[address] = time.monotonic()
                email_send_all(emails=[email])
                index += 1
                done.wait(1 / TRANSACTIONAL_PER_SECOND)
        finally:
            connection.close()

    # One email first: the workers' connections open, and the rate's new state
    # waits out its first second (emails/pacing.py) before the clock starts.
    warm_up = Email.objects.create(to="warm-up@example.com", subject="Warm-up", html="<p>.</p>", plain_text=".")
    email_send_all(emails=[warm_up])
    wait_until(lambda: smtp.count() >= 1, timeout=60, what="the warm-up email at the sink")

    people = threading.Thread(target=transactional, name="paced-transactional")
    email_send_all(emails=Email.objects.filter(id__gte=first, id__lte=last))
    people.start()
    try:
        wait_until(
            lambda: sum(1 for m in list(smtp.messages) if m.to[0].startswith("campaign-")) >= count,
            timeout=count / RATE * 3 + 60,
            interval=0.2,
            what=f"{count} campaign emails at the sink",
        )
    finally:
        done.set()
        people.join(30)
    wait_until(lambda: smtp.count() >= 1 + count + len(queued_at), timeout=30, what="the last transactional emails")

    messages = [m for m in smtp.messages if m.to[0] != "warm-up@example.com"]
    campaign = sorted(m.received_at for m in messages if m.to[0].startswith("campaign-"))
    arrived = {m.to[0]: m.received_at for m in messages if m.to[0].startswith("person-")}
    to_count = [m.to[0] for m in messages]
    if len(campaign) != count or len(to_count) != len(set(to_count)) or set(arrived) != set(queued_at):
        raise RuntimeError(f"the sink has {len(messages)} messages for {count} + {len(queued_at)} emails")
    delays = [(arrived[address] - queued) * 1000 for address, queued in queued_at.items()]
    seconds = campaign[-1] - campaign[0]
    # Over the campaign's span the transactional emails took their share of the rate too.
    during = sum(1 for m in messages if campaign[0] <= m.received_at <= campaign[-1])
    return {
        "emails": count,
        "rate": RATE,
        "campaign_seconds": round(seconds, 2),
        "campaign_emails_per_second": round(count / seconds, 1),
        "highest_in_one_second": highest_in_one_second([m.received_at for m in messages]),
        "share_of_rate": round(during / seconds / RATE, 4),
        "transactional_emails": len(delays),
        "transactional_delay_p50_ms": round(percentile(delays, 50), 1),
        "transactional_delay_p99_ms": round(percentile(delays, 99), 1),
    }
