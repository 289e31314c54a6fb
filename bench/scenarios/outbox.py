"""outbox: what the transactional outbox costs, and how fast its relay drains a backlog.

- API: `POST /api/users/me/onboarding/complete/` under gunicorn (as in
  api_onboarding: production settings, 2 sync workers, 8 closed-loop
  clients), on two servers of the same code: *outbox* (as it ships: the
  run's row is inserted in the request's transaction and marked published
  after the commit by a thread of the server, in batches) and *no row* (`BENCH_OUTBOX_ROWS_OFF=1`,
  bench/outbox_off.py: the same enqueue and publish without the row), and
  *marks in the request* (`OUTBOX_MARK_BATCH_SECONDS=0`: the published mark
  written by the request after its publish, as it would be without the
  marks' thread), which shows what the thread buys.
  Switching the row off in the project's own path, rather than comparing
  with the plain styleguide path, isolates the row: the plain path also
  differs in its transaction and its task, and api_onboarding already
  compares the project with it. Slices of both alternate round by round.
- bulk enqueue: `email_send_all` over N READY emails, with the row and
  without it, against the plain path (one transaction and one `delay()` per
  email, as in bulk_enqueue) on fewer emails, compared by rate.
- relay: N runs left unpublished (as if the broker had been down), published
  by `task_outbox_relay` with the shipped batch settings, in this process;
  runs/s.
- rows written per enqueued run: the outbox's INSERTed and UPDATEd rows and
  statements per run and per call, counted on the bulk enqueue (whose marks
  are written in the call, so that they are timed and counted with it).

Nothing may be lost: every request leaves one SENDING email and one broker
message (and one published row on *outbox*, none on *no row*); every bulk
round queues every email; the relay publishes every run exactly once.
"""

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.emails import emails_create, emails_reset
from bench.harness import Bench, ScenarioResult, Target, fmt, median, timed
from bench.outbox_off import outbox_rows_off
from bench.plain.emails import email_queue
from bench.scenarios.api_onboarding import (
    BROKER_QUEUE,
    CLIENTS,
    WORKERS,
    Call,
    Load,
    _drive,
    _onboarding_calls,
    _servers,
)
from bench.scenarios.bulk_enqueue import PLAIN_QUEUE, _queued_emails
from bench.sink import Sink
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.runs import task_outbox_relay
from testing.redis_dbs import redis_db_empty

OUTBOX, ROWS_OFF, MARKS_IN_REQUEST = "outbox", "no_row", "marks_in_request"
OUTBOX_TABLE = OutboxRun._meta.db_table


@dataclass(frozen=True)
class Sizes:
    rounds: int
    # Onboarding requests per round and variant.
    pair: int
    bulk: int
    plain: int
    bulk_rounds: int
    relay: int
    relay_rounds: int
    warmup: int = 2 * CLIENTS


FULL = Sizes(rounds=20, pair=100, bulk=10_000, plain=2_000, bulk_rounds=3, relay=10_000, relay_rounds=3)
QUICK = Sizes(rounds=4, pair=50, bulk=1_000, plain=300, bulk_rounds=2, relay=2_000, relay_rounds=2)


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    sizes = QUICK if bench.quick else FULL
    broker = redis.Redis.from_url(bench.broker_url)
    result = ScenarioResult()
    _api(bench, sink, sizes, broker, result)
    _bulk(sizes, broker, result)
    _relay(sizes, broker, result)
    return result


# --- the API ---


def _api(bench: Bench, sink: Sink, sizes: Sizes, broker: redis.Redis, result: ScenarioResult) -> None:
    loads = {OUTBOX: Load(), ROWS_OFF: Load(), MARKS_IN_REQUEST: Load()}
    calls = {
        variant: _onboarding_calls(f"outbox-{variant}", sizes.warmup + sizes.rounds * sizes.pair) for variant in loads
    }
    variants = {
        OUTBOX: {"BENCH_OUTBOX_ROWS_OFF": "0"},
        ROWS_OFF: {"BENCH_OUTBOX_ROWS_OFF": "1"},
        MARKS_IN_REQUEST: {"BENCH_OUTBOX_ROWS_OFF": "0", "OUTBOX_MARK_BATCH_SECONDS": "0"},
    }
    order = list(loads)
    with ExitStack() as stack:
        servers = stack.enter_context(_servers(bench, sink, variants))
        for variant in loads:
            warmup, calls[variant] = calls[variant][: sizes.warmup], calls[variant][sizes.warmup :]
            _drive(servers[variant], warmup, expected=200)
        broker.delete(BROKER_QUEUE)
        for index in range(sizes.rounds):
            # Each round starts with another variant, so that none always follows the same one.
            for variant in order[index % 3 :] + order[: index % 3]:
                batch, calls[variant] = calls[variant][: sizes.pair], calls[variant][sizes.pair :]
                # Settled first: the marks of the warm-up's runs may still be on their way.
                rows_before = _published_rows_settled()
                loads[variant].add(*_drive(servers[variant], batch, expected=200))
                rows = _published_rows_settled() - rows_before
                _check_api(variant, batch, broker=broker, rows=rows)
                broker.delete(BROKER_QUEUE)
        for server in servers.values():
            server.process.log_path.unlink(missing_ok=True)

    with_row, without, marks_in_request = loads[OUTBOX], loads[ROWS_OFF], loads[MARKS_IN_REQUEST]
    p50_overhead = with_row.ms(50) / without.ms(50) - 1
    # What the marks' thread saves the request: its p50 against the mark written in the request.
    thread_saving = 1 - with_row.ms(50) / marks_in_request.ms(50)
    pairs = [a / b - 1 for a, b in zip(with_row.slice_medians, without.slice_medians, strict=True)]
    result.figures.update(
        {
            "api_clients": CLIENTS,
            "api_workers": WORKERS,
            "api_rounds": sizes.rounds,
            "api_outbox_requests": with_row.count,
            "api_outbox_rps": round(with_row.rate, 1),
            "api_outbox_p50_ms": round(with_row.ms(50), 2),
            "api_outbox_p99_ms": round(with_row.ms(99), 2),
            "api_no_row_requests": without.count,
            "api_no_row_rps": round(without.rate, 1),
            "api_no_row_p50_ms": round(without.ms(50), 2),
            "api_no_row_p99_ms": round(without.ms(99), 2),
            "api_row_p50_overhead": round(p50_overhead, 4),
            "api_row_p50_overhead_pairs_median": round(median(pairs), 4),
            "api_marks_in_request_rps": round(marks_in_request.rate, 1),
            "api_marks_in_request_p50_ms": round(marks_in_request.ms(50), 2),
            "api_marks_in_request_p99_ms": round(marks_in_request.ms(99), 2),
            "api_marks_thread_p50_saving": round(thread_saving, 4),
        }
    )
    result.rows += [
        ("onboarding requests: outbox / no row", str(with_row.count), str(without.count), f"{CLIENTS} clients"),
        ("onboarding req/s: outbox / no row", fmt(with_row.rate), fmt(without.rate), ""),
        (
            "onboarding p50 ms: outbox / no row",
            fmt(with_row.ms(50)),
            fmt(without.ms(50)),
            f"{p50_overhead:+.1%}; slice pairs median {median(pairs):+.1%}",
        ),
        ("onboarding p99 ms: outbox / no row", fmt(with_row.ms(99)), fmt(without.ms(99)), ""),
        (
            "onboarding p50 ms: marks by a thread / in the request",
            fmt(with_row.ms(50)),
            fmt(marks_in_request.ms(50)),
            f"the thread saves {thread_saving:.1%} of the request",
        ),
    ]


def _published_rows_settled() -> int:
    """Rows marked published, once the servers' threads have written their marks (in batches, after the requests)."""
    seen = -1
    while True:
        time.sleep(max(0.1, 2 * settings.OUTBOX_MARK_BATCH_SECONDS))
        now = OutboxRun.objects.filter(published_at__isnull=False).count()
        if now == seen:
            return now
        seen = now


def _check_api(variant: str, batch: list[Call], *, broker: redis.Redis, rows: int) -> None:
    statuses = list(Email.objects.filter(to__in=[call.user_email for call in batch]).values_list("status", flat=True))
    queued = int(broker.llen(BROKER_QUEUE))
    want_rows = 0 if variant == ROWS_OFF else len(batch)
    if statuses != [Email.Status.SENDING] * len(batch) or queued != len(batch) or rows != want_rows:
        raise RuntimeError(
            f"outbox api, {variant}: {len(batch)} requests left {len(statuses)} emails ({set(statuses)}), "
            f"{queued} messages on the broker, {rows} rows published (want {want_rows})"
        )


# --- bulk enqueue ---


def _bulk(sizes: Sizes, broker: redis.Redis, result: ScenarioResult) -> None:
    seconds: dict[str, list[float]] = {OUTBOX: [], ROWS_OFF: [], "plain": []}
    messages: list[int] = []
    statements: dict[str, int] = {}
    rows_written: dict[str, int] = {}
    for round_index in range(sizes.bulk_rounds):
        for variant in (OUTBOX, ROWS_OFF) if round_index % 2 == 0 else (ROWS_OFF, OUTBOX):
            _reset(broker)
            first, last = emails_create(count=sizes.bulk, tag=f"bulk-{variant}")
            rows = Email.objects.filter(id__gte=first, id__lte=last)
            with ExitStack() as stack:
                if variant == ROWS_OFF:
                    stack.enter_context(outbox_rows_off())
                # The marks written in the call, not by a thread after it: timed
                # and counted with it (the conservative figure).
                stack.enter_context(override_settings(OUTBOX_MARK_BATCH_SECONDS=0))
                queries = stack.enter_context(CaptureQueriesContext(connection))
                elapsed, ids = timed(partial(email_send_all, emails=rows))
            queued = _queued_emails(broker)
            _check(len(ids) == sizes.bulk and queued == sizes.bulk, f"{variant}: {len(ids)} marked, {queued} queued")
            seconds[variant].append(elapsed)
            if variant == OUTBOX:
                messages.append(int(broker.llen(BROKER_QUEUE)))
                sql = [query["sql"].lstrip().upper() for query in queries.captured_queries]
                table = f'"{OUTBOX_TABLE.upper()}"'
                statements = {
                    "insert": sum(1 for q in sql if q.startswith("INSERT") and table in q),
                    "update": sum(1 for q in sql if q.startswith("UPDATE") and table in q),
                }
                rows_written = {
                    "inserted": OutboxRun.objects.count(),
                    "updated": OutboxRun.objects.filter(published_at__isnull=False).count(),
                }
                _check(
                    rows_written["inserted"] == messages[-1] == rows_written["updated"],
                    f"{messages[-1]} messages for {rows_written} rows",
                )
            else:
                _check(not OutboxRun.objects.exists(), "rows written with the row switched off")

        _reset(broker)
        first, last = emails_create(count=sizes.plain, tag="bulk-plain")
        emails = list(Email.objects.filter(id__gte=first, id__lte=last).order_by("id"))
        elapsed, _ = timed(partial(email_queue, emails))
        queued = _queued_emails(broker, queue=PLAIN_QUEUE)
        _check(queued == sizes.plain, f"plain: {queued} of {sizes.plain} queued")
        seconds["plain"].append(elapsed)
    _reset(broker)

    rate = {variant: (sizes.plain if variant == "plain" else sizes.bulk) / median(s) for variant, s in seconds.items()}
    runs = int(median(messages))
    speedup = rate[OUTBOX] / rate["plain"]
    result.figures.update(
        {
            "bulk_emails": sizes.bulk,
            "bulk_plain_emails": sizes.plain,
            "bulk_rounds": sizes.bulk_rounds,
            "bulk_outbox_seconds": round(median(seconds[OUTBOX]), 4),
            "bulk_no_row_seconds": round(median(seconds[ROWS_OFF]), 4),
            "bulk_plain_seconds": round(median(seconds["plain"]), 4),
            "bulk_outbox_emails_per_second": round(rate[OUTBOX], 1),
            "bulk_no_row_emails_per_second": round(rate[ROWS_OFF], 1),
            "bulk_plain_emails_per_second": round(rate["plain"], 1),
            "bulk_row_overhead": round(median(seconds[OUTBOX]) / median(seconds[ROWS_OFF]) - 1, 4),
            "bulk_speedup_vs_plain": round(speedup, 2),
            "bulk_runs": runs,
            "rows_inserted_per_run": round(rows_written["inserted"] / runs, 3),
            "rows_updated_per_run": round(rows_written["updated"] / runs, 3),
            "outbox_rows_per_email": round(rows_written["inserted"] / sizes.bulk, 4),
            "outbox_insert_statements_per_call": statements["insert"],
            "outbox_update_statements_per_call": statements["update"],
        }
    )
    result.rows += [
        (
            f"bulk: emails queued/s, {sizes.bulk:,} (outbox) vs {sizes.plain:,} (plain)",
            fmt(rate[OUTBOX]),
            fmt(rate["plain"]),
            f"{speedup:.1f}x",
        ),
        ("bulk: emails queued/s, outbox / no row", fmt(rate[OUTBOX]), fmt(rate[ROWS_OFF]), ""),
        (
            "rows written per run: inserted + updated",
            f"{rows_written['inserted'] / runs:g} + {rows_written['updated'] / runs:g}",
            "",
            f"{runs} runs (a run carries a batch of emails); "
            f"{statements['insert']} INSERT + {statements['update']} UPDATE per call",
        ),
    ]
    result.targets.append(
        Target(
            "bulk_speedup_vs_plain", "bulk enqueue with the outbox, emails/s vs the plain path (x)", speedup, 20, "min"
        )
    )


# --- the relay ---


def _relay(sizes: Sizes, broker: redis.Redis, result: ScenarioResult) -> None:
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    for _ in range(sizes.relay_rounds):
        _reset(broker)
        _stranded_runs(sizes.relay)
        cpu_before = time.process_time()
        elapsed, passes = timed(partial(_relay_until_empty, task_outbox_relay))
        cpu_seconds.append(time.process_time() - cpu_before)
        queued = int(broker.llen(BROKER_QUEUE))
        left = OutboxRun.objects.filter(published_at__isnull=True).count()
        # As many messages as runs, and none left unpublished: each run published exactly once.
        _check(queued == sizes.relay and left == 0, f"relay: {queued} queued, {left} left")
        seconds.append(elapsed)
    _reset(broker)
    rate = sizes.relay / median(seconds)
    result.figures.update(
        {
            "relay_runs": sizes.relay,
            "relay_rounds": sizes.relay_rounds,
            "relay_seconds": round(median(seconds), 4),
            "relay_runs_per_second": round(rate, 1),
            "relay_passes": passes,
            # The relay's own CPU (this process; not Redis's or PostgreSQL's):
            # what the rate would be with a core to itself.
            "relay_cpu_seconds": round(median(cpu_seconds), 4),
            "relay_runs_per_cpu_second": round(sizes.relay / median(cpu_seconds), 1),
        }
    )
    result.rows += [
        (f"relay: {sizes.relay:,} stranded runs published/s", fmt(rate), "", f"{passes} pass(es)"),
        ("relay: runs per CPU-second of the relay", fmt(sizes.relay / median(cpu_seconds)), "", "its process only"),
    ]
    result.targets.append(
        Target("relay_runs_per_second", "relay: stranded runs published per second", rate, 2000, "min")
    )


def _stranded_runs(count: int) -> None:
    """`count` runs of the email batch task that the fast path never published (the broker was down)."""
    created = timezone.now() - timedelta(minutes=5)
    OutboxRun.objects.bulk_create(
        [
            OutboxRun(
                task_id=f"stranded-{index}",
                task_name="emails.email_send_batch",
                kwargs={"email_ids": [index + 1]},
                created_at=created,
            )
            for index in range(count)
        ],
        batch_size=2000,
    )


def _relay_until_empty(relay: Callable[..., Any]) -> int:
    """Relay passes, as a worker's relay thread makes them back to back, until none publishes; returns how many."""
    passes = 0
    while True:
        done = relay(app=celery_app)
        if done.broker_failed:
            raise RuntimeError("relay: the broker refused a publish")
        if not done.published:
            return passes
        passes += 1


# --- shared ---


def _reset(broker: redis.Redis) -> None:
    emails_reset()
    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{OUTBOX_TABLE}"')
    redis_db_empty(broker)


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise RuntimeError(f"outbox lost or duplicated work: {what}")
