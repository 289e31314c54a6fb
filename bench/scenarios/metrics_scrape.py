"""metrics_scrape: the onboarding API's latency while a scraper asks for `/metrics` 10 times a second, and without.

One gunicorn (the product's config/gunicorn.py, production settings, 2 sync
workers, METRICS_TOKEN set) serves api_onboarding's queued path. Each round
runs one slice of onboarding requests with no scraper and one with a thread
asking for `GET /metrics` every 100 ms for the whole slice, in alternating
order, on the same server, so that drift in the machine's speed touches both
alike. The scraped slices add up to about a minute of scraping in the full
run. Figures: requests/s, p50 and p99 of onboarding per variant, and the
scrapes' count, rate and latency; the target is the p99 with the scraper
over the p99 without, minus one.

Nothing may be lost or wrong: every onboarding request leaves its Email row
and its message (api_onboarding's check), and every scrape answers 200 with
the queue series in it.

Then the cost of computing the exposition against the size of the tables,
in this process (what the web worker that refreshes the kept answer spends):
first with 10,000 emails and 10 periodic task definitions, then, in the same
run and database, with 1,000,000 emails and 10,000 definitions, then with
the small state again from empty tables, so that the two small figures
bracket the large one (quick mode: 1,000 and 10, then 50,000 and 500; the
runs left by the onboarding part are emptied first). Each state is the steady one: the email
status changes folded (the minute's periodic task), the watchdog's notes
written (the first looks after a sync). The figure is the median of the
scrapes of each state, the database part and the text (the broker's queues
and the health report read no table, and are left out as in eager mode);
the comparison column is what counting the emails by
status with a GROUP BY over the table (the way the counts were read before)
costs in that state. Targets (full mode): the large state costs at most
twice the small one, and at most 50 ms.
"""

import http.client
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

import redis
from django.db import connection
from django.db.models import Count
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from bench.emails import emails_reset
from bench.harness import Bench, ScenarioResult, Target, fmt, median, percentile
from bench.scenarios.api_onboarding import (
    BROKER_QUEUE,
    CLIENTS,
    QUEUED,
    WORKERS,
    Load,
    _check_nothing_lost,
    _drive,
    _onboarding_calls,
    _servers,
)
from bench.scenarios.periodic_sync import project_definitions
from bench.sink import Sink
from styleguide_project.emails.models import Email
from styleguide_project.emails.services.status_counts import email_status_counts_fold
from styleguide_project.metrics.collectors import BackgroundWorkCollector
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.periodic.watchdog import periodic_task_due_list

PLAIN, SCRAPED = "plain", "scraped"
SCRAPE_INTERVAL_SECONDS = 0.1
TOKEN = secrets.token_urlsafe(24)
T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    rounds: int
    # Onboarding requests per slice; at about 230 a second, 20 scraped slices of 700 are a minute of scraping.
    per_slice: int
    warmup: int = 2 * CLIENTS


FULL = Sizes(rounds=20, per_slice=700)
QUICK = Sizes(rounds=4, per_slice=100)


@dataclass
class Scraper:
    """Asks for /metrics every SCRAPE_INTERVAL_SECONDS until stopped."""

    port: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def run_while(self, work: Callable[[], T]) -> T:
        stop = threading.Event()
        thread = threading.Thread(target=self._loop, args=(stop,), name="bench-scraper", daemon=True)
        started = time.perf_counter()
        thread.start()
        try:
            return work()
        finally:
            stop.set()
            thread.join()
            self.seconds += time.perf_counter() - started

    def _loop(self, stop: threading.Event) -> None:
        # A scrape starts every SCRAPE_INTERVAL_SECONDS whether or not the previous one has answered
        # (one thread each), so a slow answer does not lower the rate the server is asked at.
        next_at = time.perf_counter()
        scrapes: list[threading.Thread] = []
        while not stop.is_set():
            scrape = threading.Thread(target=self._scrape, name="bench-scrape", daemon=True)
            scrape.start()
            scrapes.append(scrape)
            next_at += SCRAPE_INTERVAL_SECONDS
            stop.wait(max(0.0, next_at - time.perf_counter()))
        for scrape in scrapes:
            scrape.join()

    def _scrape(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        started = time.perf_counter()
        try:
            connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            # list.append is atomic under the GIL: the scrapes need no lock.
            if response.status == 200 and b"styleguide_queue_messages" in body:
                self.latencies.append(elapsed)
            else:
                self.errors.append(f"{response.status} {body[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    sizes = QUICK if bench.quick else FULL
    broker = redis.Redis.from_url(bench.broker_url)
    loads = {PLAIN: Load(), SCRAPED: Load()}
    calls = _onboarding_calls("metrics", sizes.warmup + 2 * sizes.rounds * sizes.per_slice)
    variant_env = {
        "BENCH_ENQUEUE_OFF": "0",
        "METRICS_TOKEN": TOKEN,
        # One scraper address asking 36,000 times an hour.
        "THROTTLE_METRICS_RATE": "1000000/hour",
    }
    with _servers(bench, sink, {QUEUED: variant_env}) as servers:
        server = servers[QUEUED]
        scraper = Scraper(port=server.port)
        warmup, calls = calls[: sizes.warmup], calls[sizes.warmup :]
        _drive(server, warmup, expected=200)
        # The first scrapes fill the health report's cache; they are not counted.
        scraper.run_while(partial(time.sleep, 1.0))
        scraper.latencies.clear()
        scraper.seconds = 0.0
        broker.delete(BROKER_QUEUE)
        for index in range(sizes.rounds):
            for variant in (PLAIN, SCRAPED) if index % 2 == 0 else (SCRAPED, PLAIN):
                batch, calls = calls[: sizes.per_slice], calls[sizes.per_slice :]
                if variant == SCRAPED:
                    latencies, seconds = scraper.run_while(partial(_drive, server, batch, expected=200))
                else:
                    latencies, seconds = _drive(server, batch, expected=200)
                loads[variant].add(latencies, seconds)
                _check_nothing_lost(QUEUED, batch, broker=broker, sink_sent=0)
                broker.delete(BROKER_QUEUE)
        if scraper.errors:
            raise RuntimeError(f"{len(scraper.errors)} scrapes failed; first ones:\n" + "\n".join(scraper.errors[:10]))
        server.process.log_path.unlink(missing_ok=True)
    result = _result(sizes, loads, scraper)
    _scrape_cost_by_table_size(bench, result)
    return result


def _result(sizes: Sizes, loads: dict[str, Load], scraper: Scraper) -> ScenarioResult:
    plain, scraped = loads[PLAIN], loads[SCRAPED]
    change = scraped.ms(99) / plain.ms(99) - 1
    scrapes = len(scraper.latencies)
    result = ScenarioResult()
    figures = result.figures
    figures.update({"clients": CLIENTS, "workers": WORKERS, "rounds": sizes.rounds})
    for variant, load in loads.items():
        figures[f"onboarding_{variant}_requests"] = load.count
        figures[f"onboarding_{variant}_rps"] = round(load.rate, 1)
        figures[f"onboarding_{variant}_p50_ms"] = round(load.ms(50), 2)
        figures[f"onboarding_{variant}_p99_ms"] = round(load.ms(99), 2)
    figures["scrapes"] = scrapes
    figures["scraped_seconds"] = round(scraper.seconds, 1)
    figures["scrapes_per_second"] = round(scrapes / scraper.seconds, 2) if scraper.seconds else 0.0
    figures["scrape_p50_ms"] = round(percentile(scraper.latencies, 50) * 1000, 2)
    figures["scrape_p99_ms"] = round(percentile(scraper.latencies, 99) * 1000, 2)
    figures["scraped_p99_change"] = round(change, 4)

    def row(label: str, project: float, comparison: float) -> tuple[str, str, str, str]:
        return (label, fmt(project), fmt(comparison), f"x{project / comparison:.2f}")

    result.rows += [
        ("onboarding requests: scraped / plain", str(scraped.count), str(plain.count), f"{CLIENTS} clients"),
        row("onboarding req/s: scraped / plain", scraped.rate, plain.rate),
        row("onboarding p50 ms: scraped / plain", scraped.ms(50), plain.ms(50)),
        row("onboarding p99 ms: scraped / plain", scraped.ms(99), plain.ms(99)),
        (
            "scrapes: count, per second, p50 / p99 ms",
            f"{scrapes}, {figures['scrapes_per_second']}/s",
            f"{figures['scrape_p50_ms']} / {figures['scrape_p99_ms']}",
            f"over {figures['scraped_seconds']} s",
        ),
    ]
    result.targets.append(
        Target(
            name="scraped_p99_change",
            description="onboarding p99 with /metrics scraped 10 times a second / without - 1",
            value=change,
            limit=0.10,
            kind="max",
        )
    )
    return result


# --- the exposition's cost against the size of the tables ---


@dataclass(frozen=True)
class TableState:
    label: str
    emails: int
    definitions: int


SMALL = TableState("small", emails=10_000, definitions=10)
LARGE = TableState("large", emails=1_000_000, definitions=10_000)
QUICK_SMALL = TableState("small", emails=1_000, definitions=10)
QUICK_LARGE = TableState("large", emails=50_000, definitions=500)
COST_SCRAPES = 40
# Emails numbered %s to %s, in one statement (the triggers write one change row per status for it). Of every
# 1,000: 1 READY, 1 SENDING, 1 FAILED, 10 CANCELLED, the rest SENT.
INSERT_EMAILS = (
    'INSERT INTO emails_email (created_at, updated_at, "to", subject, html, plain_text, status, attempts,'
    " last_error, bulk) SELECT now(), now(), 'bench-' || g || '@example.com', 'Welcome', '<p>Welcome</p>', 'Welcome',"
    " CASE WHEN g %% 1000 = 0 THEN 'FAILED' WHEN g %% 1000 = 1 THEN 'READY' WHEN g %% 1000 = 2 THEN 'SENDING'"
    " WHEN g %% 100 = 3 THEN 'CANCELLED' ELSE 'SENT' END, 1, '', false FROM generate_series(%s, %s) AS g"
)


@dataclass(frozen=True)
class ScrapeCost:
    state: TableState
    ms: float
    group_by_ms: float
    due_series: int


def _scrape_cost_by_table_size(bench: Bench, result: ScenarioResult) -> None:
    small, large = (QUICK_SMALL, QUICK_LARGE) if bench.quick else (SMALL, LARGE)
    costs = []
    try:
        # Small, large, then small again from empty tables: the two small figures bracket the large one,
        # so a drift of the machine's speed during the part shows.
        for state in (small, large, replace(small, label="small_again")):
            if state is not large:
                _tables_empty()
            costs.append(_scrape_cost(state))
    finally:
        _tables_empty()
    low = (costs[0].ms + costs[2].ms) / 2
    high = costs[1]
    ratio = high.ms / low
    figures = result.figures
    for cost in costs:
        n = cost.state.label
        figures[f"scrape_cost_{n}_emails"] = cost.state.emails
        figures[f"scrape_cost_{n}_definitions"] = cost.state.definitions
        figures[f"scrape_cost_{n}_ms"] = round(cost.ms, 2)
        figures[f"scrape_cost_{n}_group_by_ms"] = round(cost.group_by_ms, 2)
        figures[f"scrape_cost_{n}_due_series"] = cost.due_series
        result.rows.append(
            (
                f"/metrics computed, {cost.state.emails:,} emails + {cost.state.definitions:,} defs (ms)",
                fmt(cost.ms, 2),
                fmt(cost.group_by_ms, 2),
                f"median of {COST_SCRAPES}; comparison: GROUP BY status over the emails; {cost.due_series} tasks due",
            )
        )
    figures["scrape_cost_large_over_small"] = round(ratio, 3)
    result.rows.append(("/metrics computed: large / small", "", "", f"x{ratio:.2f} (small: the mean of both)"))
    if bench.quick:
        result.rows.append(("/metrics at 1M emails + 10k defs", "", "", "targets checked in full mode only"))
        return
    result.targets.append(
        Target(
            name="scrape_cost_large_over_small",
            description="/metrics computed at 1M emails + 10k defs / at 10k emails + 10 defs",
            value=ratio,
            limit=2,
            kind="max",
        )
    )
    result.targets.append(
        Target(
            name="scrape_cost_large_ms",
            description="/metrics computed at 1M emails + 10k defs, ms",
            value=high.ms,
            limit=50,
            kind="max",
        )
    )


def _scrape_cost(state: TableState) -> ScrapeCost:
    """Grow the tables to `state` (they only grow), settle them as production would, then time the scrapes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM emails_email")
        have = cursor.fetchone()[0]
        cursor.execute(INSERT_EMAILS, [have + 1, state.emails])
        cursor.execute("ANALYZE emails_email")
    periodic_tasks_sync(definitions=project_definitions(state.definitions))
    # The steady state: the changes folded, as the periodic task does every minute, and the watchdog's
    # notes written, as the first looks after a sync do.
    email_status_counts_fold()
    periodic_task_due_list(notes_at_most=None)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(BackgroundWorkCollector())
    seconds, group_by = [], []
    # The broker's queues and the health report do not read these tables: as in eager mode, the collector
    # leaves them out, so that a slow ping or a busy Redis does not blur the figures.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        generate_latest(registry)
        for _ in range(COST_SCRAPES):
            started = time.perf_counter()
            body = generate_latest(registry)
            seconds.append(time.perf_counter() - started)
            if b'styleguide_scrape_part_up{part="database"} 1.0' not in body:
                raise RuntimeError("the database part of a scrape failed:\n" + body.decode()[-2000:])
    finally:
        celery_app.conf.task_always_eager = eager
    for _ in range(5):
        started = time.perf_counter()
        counts = dict(Email.objects.values_list("status").annotate(count=Count("id")).order_by())
        group_by.append(time.perf_counter() - started)
    if sum(counts.values()) != state.emails:
        raise RuntimeError(f"{sum(counts.values())} emails, not {state.emails}")
    for status, count in counts.items():
        if f'styleguide_emails{{status="{status}"}} {float(count)}'.encode() not in body:
            raise RuntimeError(f"/metrics does not say {count} {status} emails")
    due = len(periodic_task_due_list().due)
    return ScrapeCost(state=state, ms=median(seconds) * 1000, group_by_ms=median(group_by) * 1000, due_series=due)


def _tables_empty() -> None:
    """No emails, periodic tasks, outbox runs or dead letters: the onboarding part leaves thousands of runs that
    no worker took, which every scrape would count in both states alike."""
    emails_reset()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE django_celery_beat_periodictask, django_celery_beat_crontabschedule,"
            " django_celery_beat_intervalschedule, django_celery_beat_solarschedule,"
            " django_celery_beat_clockedschedule, tasks_managedperiodictask, tasks_periodictasksyncstate,"
            " tasks_outboxrun, tasks_deadletter CASCADE"
        )
