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
"""

import http.client
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import redis

from bench.harness import Bench, ScenarioResult, Target, fmt, percentile
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
from bench.sink import Sink

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
    return _result(sizes, loads, scraper)


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
