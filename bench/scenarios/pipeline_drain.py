"""pipeline_drain: N queued emails until every one is SENT, on one worker host (concurrency 2).

- project: `email_send_all` → `emails.email_send_batch` runs, each email in
  its own locked transaction, one kept SMTP connection per worker process.
- plain: the plain path's task, one message and one SMTP connection per email, its
  result stored (`bench/plain/`), on fewer emails, compared by rate.
- floor: what the SMTP sink accepts from one client over one reused
  connection, measured in the same run between the other two.

The clock runs from the call that queues the emails (the worker is already
up) until the last email is SENT and the sink has counted it.

Then the project's path on each broker side by side, Redis and RabbitMQ (a
virtual host of the run's own, quorum queues, publisher confirms), with the
worker's pool at 1, 2 and 4 processes: the throughput of one worker host.
"""

import os
import time
from collections.abc import Callable
from datetime import datetime

from django.db import connection

from bench.emails import emails_create, emails_reset, worker_start
from bench.harness import (
    Bench,
    ScenarioResult,
    Target,
    cpu_seconds,
    fmt,
    median,
    peak_rss,
    percentile,
    pg_commits,
    postgres_pids,
    process_tree,
)
from bench.plain.emails import email_queue
from bench.sink import Sink
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.tasks.app.celery import app as celery_app
from testing.brokers import RabbitVhost, celery_app_on_broker, rabbitmq_answering

POOL_SIZES = (1, 2, 4)


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    count = bench.size(10_000, 1_000)
    plain_count = bench.size(1_500, 300)
    floor_count = bench.size(3_000, 500)
    rounds = bench.size(3, 1)

    project: list[dict[str, float]] = []
    plain: list[dict[str, float]] = []
    floor: list[float] = []
    message = _sample_message()
    for _ in range(rounds):
        project.append(_drain(bench, sink, count=count, queue=_project_queue))
        floor.append(sink.floor_rate(message=message, count=floor_count))
        # The plain path has no guard against sending twice: its duplicates are a figure, not a failure.
        plain.append(_drain(bench, sink, count=plain_count, queue=_plain_queue, duplicates_allowed=True))
    brokers = _brokers_side_by_side(bench, sink, count=bench.size(4_000, 500))
    emails_reset()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return median([run[key] for run in runs])

    project_rate, plain_rate, floor_rate = med(project, "rate"), med(plain, "rate"), median(floor)
    speedup, share = project_rate / plain_rate, project_rate / floor_rate
    figures: dict[str, float | int] = {"emails": count, "plain_emails": plain_count, "rounds": rounds}
    for name, runs in (("project", project), ("plain", plain)):
        figures |= {
            f"{name}_seconds": round(med(runs, "seconds"), 3),
            f"{name}_emails_per_second": round(med(runs, "rate"), 1),
            f"{name}_latency_p50_ms": round(med(runs, "p50"), 1),
            f"{name}_latency_p99_ms": round(med(runs, "p99"), 1),
            f"{name}_pg_commits_per_email": round(med(runs, "commits"), 3),
            f"{name}_worker_peak_rss_mib": round(med(runs, "rss") / 1024, 1),
            f"{name}_worker_cpu_ms_per_email": round(med(runs, "cpu_worker"), 3),
            f"{name}_sink_cpu_ms_per_email": round(med(runs, "cpu_sink"), 3),
            f"{name}_postgres_cpu_ms_per_email": round(med(runs, "cpu_postgres"), 3),
            f"{name}_duplicates": int(sum(run["duplicates"] for run in runs)),
        }
    figures |= {
        "floor_emails_per_second": round(floor_rate, 1),
        "speedup_vs_plain": round(speedup, 2),
        "share_of_floor": round(share, 4),
        "brokers_emails": brokers["emails"],
    }
    for broker in ("redis", "rabbitmq"):
        for pool in POOL_SIZES:
            figures[f"{broker}_pool{pool}_emails_per_second"] = round(brokers[f"{broker}_{pool}"], 1)
    result = ScenarioResult(
        figures=figures,
        targets=[
            Target("speedup_vs_plain", "emails delivered per second vs the plain path (x)", speedup, 5, "min"),
            Target("share_of_floor", "delivery rate as a share of the SMTP floor", share, 0.6, "min"),
        ],
    )
    result.rows += [
        (f"drained (s), {count:,} vs {plain_count:,}", fmt(med(project, "seconds")), fmt(med(plain, "seconds")), ""),
        ("emails/s", fmt(project_rate), fmt(plain_rate), f"{speedup:.1f}x"),
        ("latency p50 / p99 (ms)", _pair(project, "p50", "p99"), _pair(plain, "p50", "p99"), "queued to SENT"),
        ("PostgreSQL commits per email", fmt(med(project, "commits"), 2), fmt(med(plain, "commits"), 2), ""),
        ("worker peak RSS (MiB)", fmt(med(project, "rss") / 1024), fmt(med(plain, "rss") / 1024), "whole worker"),
        ("CPU ms per email: worker", fmt(med(project, "cpu_worker"), 2), fmt(med(plain, "cpu_worker"), 2), ""),
        ("CPU ms per email: SMTP sink", fmt(med(project, "cpu_sink"), 2), fmt(med(plain, "cpu_sink"), 2), ""),
        ("CPU ms per email: PostgreSQL", fmt(med(project, "cpu_postgres"), 2), fmt(med(plain, "cpu_postgres"), 2), ""),
        (
            "messages sent twice, all rounds",
            str(figures["project_duplicates"]),
            str(figures["plain_duplicates"]),
            "the plain path has no guard",
        ),
        ("floor: one client, one SMTP session (emails/s)", fmt(project_rate), fmt(floor_rate), f"{share:.0%} of it"),
        (f"brokers, {brokers['emails']:,} emails: project on", "Redis", "RabbitMQ", "RabbitMQ / Redis"),
    ]
    for pool in POOL_SIZES:
        redis_rate, rabbit_rate = brokers[f"redis_{pool}"], brokers[f"rabbitmq_{pool}"]
        result.rows.append(
            (
                f"  one worker, pool of {pool} (emails/s)",
                fmt(redis_rate),
                fmt(rabbit_rate),
                f"{rabbit_rate / redis_rate:.2f}x",
            )
        )
    return result


def _brokers_side_by_side(bench: Bench, sink: Sink, *, count: int) -> dict[str, float]:
    """emails/s of the project's path on Redis and on RabbitMQ, one worker with a pool of 1, 2 and 4."""
    if not rabbitmq_answering():
        raise RuntimeError("RabbitMQ is not answering on 127.0.0.1:5672 (.ci/services.sh ensure_rabbitmq)")
    rates: dict[str, float] = {"emails": count}
    # BENCH_RABBITMQ_VHOST_PREFIX: two runs at once on one machine need their own.
    vhost = RabbitVhost(prefix=os.environ.get("BENCH_RABBITMQ_VHOST_PREFIX", "styleguide_bench")).create()
    try:
        for pool in POOL_SIZES:
            rates[f"redis_{pool}"] = _drain(bench, sink, count=count, queue=_project_queue, concurrency=pool)["rate"]
            vhost.queues_delete()
            with celery_app_on_broker(celery_app, vhost.url()):
                rates[f"rabbitmq_{pool}"] = _drain(
                    bench, sink, count=count, queue=_project_queue, concurrency=pool, broker_url=vhost.url()
                )["rate"]
    finally:
        vhost.delete()
    return rates


def _pair(runs: list[dict[str, float]], first: str, second: str) -> str:
    return f"{fmt(median([r[first] for r in runs]))} / {fmt(median([r[second] for r in runs]))}"


def _project_queue(first: int, last: int) -> dict[int, float]:
    ids = email_send_all(emails=Email.objects.filter(id__gte=first, id__lte=last))
    # Every email was published when the transaction committed, just now.
    now = time.time()
    return dict.fromkeys(ids, now)


def _plain_queue(first: int, last: int) -> dict[int, float]:
    return email_queue(Email.objects.filter(id__gte=first, id__lte=last).order_by("id"))


def _drain(
    bench: Bench,
    sink: Sink,
    *,
    count: int,
    queue: Callable[[int, int], dict[int, float]],
    concurrency: int = 2,
    broker_url: str | None = None,
    duplicates_allowed: bool = False,
) -> dict[str, float]:
    emails_reset()
    bench.flush_redis()
    first, last = emails_create(count=count, tag="drain")
    broker = {"CELERY_BROKER_URL": broker_url} if broker_url else {}
    worker = worker_start(bench, name="drain", concurrency=concurrency, **broker)
    try:
        # This process's own connection reports its commits when it closes.
        connection.close()
        commits_before = pg_commits()
        sink.reset()
        workers, database = process_tree(worker.pid), postgres_pids()
        cpu_before = {name: cpu_seconds(pids) for name, pids in (("worker", workers), ("sink", {sink.pid}))}
        database_before = cpu_seconds(database)
        with peak_rss(worker.pid) as rss:
            started = time.perf_counter()
            queued_at = queue(first, last)
            sink.wait_for(count, timeout=600)
            _wait_all_sent(count)
            seconds = time.perf_counter() - started
            peak = rss()
        # Read before the worker stops: its pool processes' time is lost when they exit.
        cpu = {name: cpu_seconds(pids) - cpu_before[name] for name, pids in (("worker", workers), ("sink", {sink.pid}))}
        # Backends that started during the run (the worker connects at its
        # first task) count whole; the ones of before count their increase.
        cpu["postgres"] = cpu_seconds(postgres_pids()) - database_before
    finally:
        worker.stop()
    connection.close()
    commits = pg_commits() - commits_before
    duplicates = sink.count - count
    if duplicates < 0 or (duplicates and not duplicates_allowed):
        raise RuntimeError(f"the sink counted {sink.count} messages for {count} emails")
    sent_at: dict[int, datetime | None] = dict(Email.objects.values_list("id", "sent_at"))
    latencies = [(_timestamp(sent_at[email_id]) - queued) * 1000 for email_id, queued in queued_at.items()]
    return {
        "seconds": seconds,
        "rate": count / seconds,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "commits": commits / count,
        "rss": peak,
        "duplicates": duplicates,
        # CPU milliseconds per email: the worker (parent and pool), the SMTP sink, PostgreSQL.
        **{f"cpu_{name}": used / count * 1000 for name, used in cpu.items()},
    }


def _timestamp(moment: datetime | None) -> float:
    if moment is None:
        raise RuntimeError("an email counted as SENT has no sent_at")
    return moment.timestamp()


def _wait_all_sent(count: int) -> None:
    deadline = time.monotonic() + 60
    while Email.objects.filter(status=Email.Status.SENT).count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the sink has every message but not every email is SENT")
        time.sleep(0.05)


def _sample_message() -> bytes:
    """The bytes of one onboarding-sized email, as the workers send them."""
    first, _ = emails_create(count=1, tag="floor")
    email = Email.objects.get(id=first)
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(email.subject, email.plain_text, "bench@localhost", [email.to])
    message.attach_alternative(email.html, "text/html")
    email.delete()
    # Django's MIME classes take `linesep`; the stubs give the method email's own signature.
    as_bytes: Callable[..., bytes] = message.message().as_bytes
    return as_bytes(linesep="\r\n")
