"""api_onboarding: the onboarding API under gunicorn, its email queued on the broker vs sent inside the request.

Three gunicorn servers (the product's config/gunicorn.py, production
settings, 2 sync workers each) serve the same code in three configurations:

- queued: the project's path. `POST /api/users/me/onboarding/complete/` saves
  the Email row and publishes its send task to Redis (one message) once the
  transaction commits; no worker consumes it here, so what is measured is
  the request alone.
- inline: CELERY_BROKER_URL="" (eager): the task runs inside the request and
  the email goes through an SMTP sink that takes 100 ms per message, which
  is what sending from the request would cost the user.
- enqueue_off: queued with the publish switched off (bench/gunicorn_conf.py),
  to isolate what enqueueing adds to the request.

8 client threads keep at most 8 requests in flight (a closed loop: each
client sends its next request when the previous one is answered). Each round
runs a slice of requests against queued and enqueue_off back to back (in
alternating order), then against inline, so that drift in the machine's
speed touches the variants alike; registration (`POST /api/users/`, which
queues one email and is dominated by password hashing on purpose) gets a
slice per variant every other round. Figures: requests/s, p50 and p99 per
variant, over all rounds; the overhead of enqueueing is queued's median over
enqueue_off's median, and its spread over the pairs of adjacent slices
shows how much of it is noise.

Nothing may be lost: after each slice the scenario checks that every request
left one Email row (SENDING and one message in the broker's `celery` list
when queued, SENDING and no message when enqueue_off, SENT and one message
at the sink when inline), and any answer but 200/202 fails the scenario.
"""

import http.client
import json
import queue
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import redis
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from knox.models import AuthToken, get_digest_token
from knox.settings import CONSTANTS

from bench.gunicorn_conf import BENCH_READY_MARK
from bench.harness import Bench, ScenarioResult, Target, fmt, median, percentile
from bench.sink import Sink
from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from testing.processes import ManagedProcess, free_port, wait_until

ONBOARDING_PATH = "/api/users/me/onboarding/complete/"
REGISTRATION_PATH = "/api/users/"
CLIENTS = 8
WORKERS = 2
SINK_DELAY_SECONDS = 0.1
# gunicorn kills a request after 30 s (config/gunicorn.py); a client waiting
# longer would only wait for a 502.
REQUEST_TIMEOUT_SECONDS = 35.0
# A slice that takes longer than this is stuck: its unsent requests count as failures.
SLICE_TIMEOUT_SECONDS = 300.0
# The queue Celery publishes to by default: a Redis list of that name on the broker db.
# Where the onboarding email's delivery is queued.
BROKER_QUEUE = "transactional"
# Validators pass it (long, not common, not like the email): registration does its full work.
REGISTRATION_PASSWORD = "bench-Onboarding-7-horses"  # noqa: S105 - a bench user's password
GUNICORN_CONFIG = Path(__file__).resolve().parents[1] / "gunicorn_conf.py"

QUEUED, INLINE, ENQUEUE_OFF = "queued", "inline", "enqueue_off"
VARIANTS = (QUEUED, INLINE, ENQUEUE_OFF)


@dataclass(frozen=True)
class Sizes:
    rounds: int
    # Onboarding requests per round for queued and for enqueue_off each.
    pair: int
    # Onboarding requests per round inline: the sink caps it at about
    # 2 workers / (100 ms + the request) = 15 a second, so fewer of them.
    inline: int
    # Registration requests per variant (queued, inline) in every other round:
    # PBKDF2 takes about a quarter of a second of CPU each.
    registration: int
    # Requests per variant before the first round, not measured: they open the
    # broker connections and fill the template and validator caches.
    warmup: int = 2 * CLIENTS


# Full: 2,000 onboarding requests queued and enqueue_off each, 400 inline
# (at ~15 a second, 2,000 would take over two minutes alone), 80
# registrations per variant; about two minutes on 2 cores. Slices of about a
# second each, so that a burst of other work on the machine lands on a few
# pairs of slices rather than on one variant.
FULL = Sizes(rounds=20, pair=100, inline=20, registration=CLIENTS)
QUICK = Sizes(rounds=4, pair=50, inline=15, registration=CLIENTS)


@dataclass
class Load:
    """What the clients measured against one variant, summed over the rounds."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # The median of each slice, in round order: queued and enqueue_off pair up by index.
    slice_medians: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")

    def ms(self, pct: float) -> float:
        return percentile(self.latencies, pct) * 1000

    def add(self, latencies: list[float], seconds: float) -> None:
        self.latencies.extend(latencies)
        self.seconds += seconds
        self.slice_medians.append(median(latencies))


@dataclass(frozen=True)
class Call:
    """One request of a slice; `user_email` names whose Email row it must leave."""

    path: str
    body: bytes
    token: str = ""
    user_email: str = ""


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    # The runner's sink answers at once; this scenario needs a slow relay of its own.
    del sink
    sizes = QUICK if bench.quick else FULL
    broker = redis.Redis.from_url(bench.broker_url)
    onboarding = {variant: Load() for variant in VARIANTS}
    registration = {QUEUED: Load(), INLINE: Load()}
    per_round = {QUEUED: sizes.pair, ENQUEUE_OFF: sizes.pair, INLINE: sizes.inline}

    with ExitStack() as stack:
        slow_sink = stack.enter_context(Sink.running(delay=SINK_DELAY_SECONDS))
        calls = {
            variant: _onboarding_calls(variant, sizes.warmup + sizes.rounds * per_round[variant])
            for variant in VARIANTS
        }
        servers = stack.enter_context(_servers(bench, slow_sink))

        for variant in VARIANTS:
            warmup, calls[variant] = calls[variant][: sizes.warmup], calls[variant][sizes.warmup :]
            _drive(servers[variant], warmup, expected=200)
            if variant in registration:
                # The first registration in a worker loads the common-password list.
                _drive(servers[variant], _registration_calls(f"warmup-{variant}", 2 * WORKERS), expected=202)
        broker.delete(BROKER_QUEUE)

        for index in range(sizes.rounds):
            # queued and enqueue_off back to back (their ratio is the finest
            # figure), in alternating order, then the slow inline slice.
            pair = (QUEUED, ENQUEUE_OFF) if index % 2 == 0 else (ENQUEUE_OFF, QUEUED)
            for variant in (*pair, INLINE):
                batch, calls[variant] = calls[variant][: per_round[variant]], calls[variant][per_round[variant] :]
                sent_before = slow_sink.count
                onboarding[variant].add(*_drive(servers[variant], batch, expected=200))
                _check_nothing_lost(variant, batch, broker=broker, sink_sent=slow_sink.count - sent_before)
                # Nothing consumes the queue here; emptied so that every slice starts alike.
                broker.delete(BROKER_QUEUE)
            if index % 2 == 0:
                for variant in (QUEUED, INLINE) if index % 4 == 0 else (INLINE, QUEUED):
                    batch = _registration_calls(f"{index}-{variant}", sizes.registration)
                    registration[variant].add(*_drive(servers[variant], batch, expected=202))
                # Registration queues a verification email; the next onboarding slice counts only its own.
                broker.delete(BROKER_QUEUE)

        # The servers' logs are kept (and named in the error) only when something failed.
        for server in servers.values():
            server.process.log_path.unlink(missing_ok=True)
    return _result(sizes, onboarding, registration)


# --- data ---


def _onboarding_calls(variant: str, count: int) -> list[Call]:
    """`count` users who have not completed onboarding, each with a token: one request each."""
    # One hash for all: PBKDF2 per user would take minutes, and these users
    # authenticate with tokens anyway.
    password = make_password(secrets.token_urlsafe(16))
    users = BaseUser.objects.bulk_create(
        [BaseUser(email=f"onboarding-{variant}-{index}@bench.example", password=password) for index in range(count)],
        batch_size=1000,
    )
    # Rows as knox makes them (a digest and the token's first characters), in bulk.
    digests_and_tokens = [get_digest_token() for _ in users]
    expiry = timezone.now() + timedelta(days=1)
    AuthToken.objects.bulk_create(
        [
            AuthToken(digest=digest, token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH], user=user, expiry=expiry)
            for user, (digest, token) in zip(users, digests_and_tokens, strict=True)
        ],
        batch_size=1000,
    )
    return [
        Call(path=ONBOARDING_PATH, body=b"", token=token, user_email=user.email)
        for user, (_, token) in zip(users, digests_and_tokens, strict=True)
    ]


def _registration_calls(label: str, count: int) -> list[Call]:
    return [
        Call(
            path=REGISTRATION_PATH,
            body=json.dumps(
                {"email": f"register-{label}-{index}@bench.example", "password": REGISTRATION_PASSWORD}
            ).encode(),
        )
        for index in range(count)
    ]


# --- servers ---


@dataclass(frozen=True)
class Server:
    variant: str
    port: int
    process: ManagedProcess


@contextmanager
def _servers(
    bench: Bench, sink: Sink, variants: dict[str, dict[str, str]] | None = None
) -> Iterator[dict[str, Server]]:
    """One gunicorn per variant, all started before any load and stopped whatever happens.

    `variants` maps each variant to its environment over the common one
    (default: this scenario's three).
    """
    common = {
        # The production settings, as docker/start-web runs them behind the
        # TLS proxy (the clients send its X-Forwarded-Proto).
        "DJANGO_SETTINGS_MODULE": "config.django.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DEFAULT_FROM_EMAIL": "noreply@styleguide.test",
        "SUPPORT_EMAIL": "support@styleguide.test",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": str(WORKERS),
        "EMAIL_URL": sink.url,
        # One client address and a few thousand users: the production rates
        # would answer 429 within the first second.
        "THROTTLE_ANON_RATE": "1000000/second",
        "THROTTLE_USER_RATE": "1000000/second",
        "THROTTLE_UNSOLICITED_EMAIL_RECIPIENT_RATE": "1000000/second",
        "THROTTLE_UNSOLICITED_EMAIL_CLIENT_RATE": "1000000/second",
    }
    # Set for every variant: the runner's own environment must not decide.
    overrides = variants or {
        QUEUED: {"BENCH_ENQUEUE_OFF": "0"},
        # Production refuses eager mode, so the inline variant runs the local
        # settings with DEBUG off.
        INLINE: {
            "CELERY_BROKER_URL": "",
            "BENCH_ENQUEUE_OFF": "0",
            "DJANGO_SETTINGS_MODULE": "config.django.local",
            "DJANGO_DEBUG": "False",
        },
        ENQUEUE_OFF: {"BENCH_ENQUEUE_OFF": "1"},
    }
    # The virtualenv's gunicorn, as docker/start-web runs the image's.
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    servers: dict[str, Server] = {}
    try:
        for variant in overrides:
            port = free_port()
            args = [gunicorn, "--config", str(GUNICORN_CONFIG), "--bind", f"127.0.0.1:{port}"]
            args += ["--workers", str(WORKERS), "config.wsgi:application"]
            process = ManagedProcess(
                args, env=bench.env(**{**common, **overrides[variant]}), name=f"bench-gunicorn-{variant}"
            )
            servers[variant] = Server(variant=variant, port=port, process=process.start())
        for server in servers.values():

            def ready(process: ManagedProcess = server.process) -> bool:
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited:\n{process.output[-4000:]}")
                return process.output.count(BENCH_READY_MARK) >= WORKERS

            wait_until(ready, timeout=60, what=f"{WORKERS} workers of {server.process.name}")
        yield servers
    finally:
        for server in servers.values():
            server.process.stop()


# --- load ---


def _drive(server: Server, calls: list[Call], *, expected: int) -> tuple[list[float], float]:
    """Send `calls` from CLIENTS threads, each waiting for its answer before sending the next one.

    Returns the latency of each answer and the wall time of the whole slice.
    Any other answer than `expected`, no answer, or a call still unsent after
    SLICE_TIMEOUT_SECONDS fails the scenario once the slice is over.
    """
    todo: queue.SimpleQueue[Call] = queue.SimpleQueue()
    for call in calls:
        todo.put(call)
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + SLICE_TIMEOUT_SECONDS

    def client() -> None:
        while time.monotonic() < deadline:
            try:
                call = todo.get_nowait()
            except queue.Empty:
                return
            headers = {"Content-Type": "application/json", "Accept": "application/json", "X-Forwarded-Proto": "https"}
            if call.token:
                headers["Authorization"] = f"Token {call.token}"
            # gunicorn's sync workers close every connection: one per request, as real clients get.
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT_SECONDS)
            started = time.perf_counter()
            try:
                connection.request("POST", call.path, body=call.body, headers=headers)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{call.path}: {type(exc).__name__}: {exc}")
                continue
            finally:
                connection.close()
            # list.append is atomic under the GIL: the clients need no lock.
            if response.status == expected:
                latencies.append(elapsed)
            else:
                errors.append(f"{call.path}: {response.status} {body[:300]!r}")

    threads = [threading.Thread(target=client, name=f"bench-client-{n}", daemon=True) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if not todo.empty():
        errors.append(f"{todo.qsize()} requests not sent within {SLICE_TIMEOUT_SECONDS:.0f}s")
    if errors:
        raise RuntimeError(
            f"{server.variant}: {len(errors)} of {len(calls)} requests failed (log: {server.process.log_path}); "
            "first ones:\n" + "\n".join(errors[:10])
        )
    return latencies, seconds


# --- checks ---


def _check_nothing_lost(variant: str, batch: list[Call], *, broker: redis.Redis, sink_sent: int) -> None:
    """Every answered request left exactly one email, in the state its variant leads to."""
    statuses = Counter(
        str(status)
        for status in Email.objects.filter(to__in=[call.user_email for call in batch]).values_list("status", flat=True)
    )
    queued = int(broker.llen(BROKER_QUEUE))
    # The publish happens before the answer (on commit, inside the request),
    # so by now every message of the slice is in the list or never will be.
    want_status = Email.Status.SENT if variant == INLINE else Email.Status.SENDING
    want_queued = len(batch) if variant == QUEUED else 0
    want_sent = len(batch) if variant == INLINE else 0
    if statuses != Counter({str(want_status): len(batch)}) or queued != want_queued or sink_sent != want_sent:
        raise RuntimeError(
            f"{variant}: {len(batch)} requests left emails {dict(statuses)} (want {len(batch)} {want_status}), "
            f"{queued} messages on the broker (want {want_queued}), {sink_sent} at the sink (want {want_sent})"
        )


# --- result ---


def _result(sizes: Sizes, onboarding: dict[str, Load], registration: dict[str, Load]) -> ScenarioResult:
    queued, inline, off = onboarding[QUEUED], onboarding[INLINE], onboarding[ENQUEUE_OFF]
    p99_ratio = queued.ms(99) / inline.ms(99)
    overhead = queued.ms(50) / off.ms(50) - 1
    # The same ratio slice by slice (each queued slice against the enqueue_off
    # slice right next to it): its spread tells how much of `overhead` is noise.
    pair_overheads = [q / o - 1 for q, o in zip(queued.slice_medians, off.slice_medians, strict=True)]
    pairs_q1, pairs_q3 = percentile(pair_overheads, 25), percentile(pair_overheads, 75)

    result = ScenarioResult()
    figures = result.figures
    figures.update(
        {"clients": CLIENTS, "workers": WORKERS, "sink_delay_ms": SINK_DELAY_SECONDS * 1000, "rounds": sizes.rounds}
    )
    for prefix, loads in (("onboarding", onboarding), ("registration", registration)):
        for variant, load in loads.items():
            figures[f"{prefix}_{variant}_requests"] = load.count
            figures[f"{prefix}_{variant}_rps"] = round(load.rate, 1)
            figures[f"{prefix}_{variant}_p50_ms"] = round(load.ms(50), 2)
            figures[f"{prefix}_{variant}_p99_ms"] = round(load.ms(99), 2)
    figures["queued_p99_vs_inline_p99"] = round(p99_ratio, 4)
    figures["enqueue_median_overhead"] = round(overhead, 4)
    figures["enqueue_median_overhead_pairs_median"] = round(median(pair_overheads), 4)
    figures["enqueue_median_overhead_pairs_q1"] = round(pairs_q1, 4)
    figures["enqueue_median_overhead_pairs_q3"] = round(pairs_q3, 4)

    def times(a: float, b: float) -> str:
        return f"x{a / b:.2f}"

    reg_queued, reg_inline = registration[QUEUED], registration[INLINE]

    def row(label: str, project: float, comparison: float, note: str = "") -> tuple[str, str, str, str]:
        return (label, fmt(project), fmt(comparison), note or times(project, comparison))

    overhead_note = f"{overhead:+.1%}; slice pairs {pairs_q1:+.0%}..{pairs_q3:+.0%}"
    registration_note = f"n={reg_queued.count}+{reg_inline.count}; no task, hashing"
    result.rows += [
        ("onboarding requests: queued / inline", str(queued.count), str(inline.count), f"{CLIENTS} clients"),
        row("onboarding req/s: queued / inline", queued.rate, inline.rate),
        row("onboarding p50 ms: queued / inline", queued.ms(50), inline.ms(50)),
        row("onboarding p99 ms: queued / inline", queued.ms(99), inline.ms(99)),
        row("onboarding req/s: queued / enqueue off", queued.rate, off.rate),
        row("onboarding p50 ms: queued / enqueue off", queued.ms(50), off.ms(50), overhead_note),
        row("onboarding p99 ms: queued / enqueue off", queued.ms(99), off.ms(99)),
        row("registration req/s: queued / inline", reg_queued.rate, reg_inline.rate, registration_note),
        row("registration p50 ms: queued / inline", reg_queued.ms(50), reg_inline.ms(50)),
        row("registration p99 ms: queued / inline", reg_queued.ms(99), reg_inline.ms(99)),
    ]
    result.targets += [
        Target(
            name="queued_p99_vs_inline_p99",
            description="onboarding p99, queued / inline (email sent in the request)",
            value=p99_ratio,
            limit=0.1,
            kind="max",
        ),
        Target(
            name="enqueue_median_overhead",
            description="onboarding median, queued / enqueue off - 1",
            value=overhead,
            limit=0.15,
            kind="max",
        ),
    ]
    return result
