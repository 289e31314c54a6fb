"""Anonymous pollers of `GET /api/health/` cost other requests almost nothing, on the shipped server.

A real gunicorn with config/gunicorn.py (2 sync workers) and the production
settings, on the test's PostgreSQL and Redis, with a broker that no worker
consumes: the worst case for the full report, whose worker ping waits out
HEALTH_TIMEOUT_SECONDS. Registration (password hashing with the production
hasher, an insert, an email queued) is timed alone and while 8 clients poll
the report, in alternating blocks so that drift in the shared machine's speed
touches both alike.

Each poller asks every POLL_INTERVAL_SECONDS, as a load balancer or an
uptime monitor does (they probe every 5 to 30 seconds), at phases of its own.
The same measure with the cache switched off shows what the cache guards
against: every poll then holds a worker for the whole check, and 8 pollers
keep the 2 workers busy.

Pollers that ask many times a second would measure something else: on a
machine whose cores are shared, any request's CPU slows the hashing, and
pollers of the liveness path (no check at all) slow registration as much.
"""

import http.client
import json
import random
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest

from testing.processes import ManagedProcess, free_port, wait_until
from testing.reports import report

pytestmark = pytest.mark.integration

POLLERS = 8
POLL_INTERVAL_SECONDS = 5.0
WORKERS = 2
ROUNDS = 10
PER_BLOCK = 3
# Generous: the machine is shared; an uncached report held a worker for a second per poll.
BOUND_SECONDS = 0.100
HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Content-Type": "application/json"}
EMAILS = count()


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=35)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=HEADERS)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, time.perf_counter() - started


@contextmanager
def gunicorn(live_env: dict[str, str], **env: str) -> Iterator[int]:
    port = free_port()
    server = ManagedProcess(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "config.wsgi:application"),
        ],
        env={
            **live_env,
            "DJANGO_SETTINGS_MODULE": "config.django.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DEFAULT_FROM_EMAIL": "noreply@styleguide.test",
            "SUPPORT_EMAIL": "support@styleguide.test",
            "WEB_CONCURRENCY": str(WORKERS),
            "LOG_FORMAT": "plain",
            # One client address for every request: the production rate would answer 429 here.
            "THROTTLE_ANON_RATE": "1000000/second",
            "THROTTLE_UNSOLICITED_EMAIL_RECIPIENT_RATE": "1000000/second",
            "THROTTLE_UNSOLICITED_EMAIL_CLIENT_RATE": "1000000/second",
            **env,
        },
        name="gunicorn",
    ).start()
    try:

        def up() -> bool:
            assert server.alive(), server.output[-4000:]
            try:
                return request(port, "GET", "/api/health/live/")[0] == 200
            except OSError:
                return False

        wait_until(up, timeout=60, what="gunicorn to answer")
        yield port
    finally:
        server.stop()


@dataclass
class Measure:
    alone: list[float] = field(default_factory=list)
    polled: list[float] = field(default_factory=list)
    polls: Counter[int] = field(default_factory=Counter)
    poll_seconds: list[float] = field(default_factory=list)

    @property
    def slowdown(self) -> float:
        return statistics.median(self.polled) - statistics.median(self.alone)

    def figures(self) -> str:
        return (
            f"registration p50 alone {statistics.median(self.alone) * 1000:.0f} ms, "
            f"with {POLLERS} pollers {statistics.median(self.polled) * 1000:.0f} ms "
            f"({self.slowdown * 1000:+.0f} ms; {len(self.alone)} and {len(self.polled)} requests); "
            f"{sum(self.polls.values())} polls {dict(self.polls)}, "
            f"p50 {statistics.median(self.poll_seconds) * 1000:.0f} ms, max {max(self.poll_seconds) * 1000:.0f} ms"
        )


def measure(port: int, *, rounds: int) -> Measure:
    result = Measure()

    def register() -> float:
        payload = {"email": f"poll-{next(EMAILS)}@example.com", "password": "pollers-Seven-horses-3"}
        status, seconds = request(port, "POST", "/api/users/", payload)
        assert status == 202
        return seconds

    # Each worker's first registration loads the common-password list.
    for _ in range(2 * WORKERS):
        register()

    polling = threading.Event()
    stop = threading.Event()
    in_flight = Counter[str]()
    lock = threading.Lock()

    def poll() -> None:
        stop.wait(random.uniform(0, POLL_INTERVAL_SECONDS))
        while not stop.is_set():
            if polling.is_set():
                with lock:
                    in_flight["polls"] += 1
                try:
                    status, seconds = request(port, "GET", "/api/health/")
                finally:
                    with lock:
                        in_flight["polls"] -= 1
                result.polls[status] += 1
                result.poll_seconds.append(seconds)
            stop.wait(POLL_INTERVAL_SECONDS)

    pollers = [threading.Thread(target=poll) for _ in range(POLLERS)]
    for poller in pollers:
        poller.start()
    # Every poller's phase passed once, so that the loaded blocks see them all.
    polling.set()
    time.sleep(POLL_INTERVAL_SECONDS)
    polling.clear()
    try:
        for index in range(rounds):
            for loaded in (False, True) if index % 2 == 0 else (True, False):
                if loaded:
                    polling.set()
                    result.polled += [register() for _ in range(PER_BLOCK)]
                    polling.clear()
                else:
                    # No poll in flight while registrations are timed alone.
                    wait_until(lambda: in_flight["polls"] == 0, timeout=30, what="the polls in flight")
                    result.alone += [register() for _ in range(PER_BLOCK)]
    finally:
        stop.set()
        for poller in pollers:
            poller.join(timeout=40)
    return result


def test_eight_health_pollers_slow_registration_by_less_than_100_ms_at_p50(live_env):
    with gunicorn(live_env) as port:
        result = measure(port, rounds=ROUNDS)

    report("health pollers: registration alone and while 8 pollers ask (report cached)", result.figures())
    # The broker has no worker: the report says so (503), which is what is polled.
    assert set(result.polls) == {503}, result.figures()
    assert result.slowdown < BOUND_SECONDS, result.figures()
