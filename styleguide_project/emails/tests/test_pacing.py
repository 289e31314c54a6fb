"""The sending rate (emails/pacing.py) on a redis-server of the test's own, its clock the test's."""

import itertools
import multiprocessing
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from styleguide_project.emails.exceptions import EmailSendRateUnavailableError
from styleguide_project.emails.pacing import EmailSendPacer
from testing.processes import RedisServer, free_port
from testing.smtp import highest_in_one_second

_prefixes = itertools.count()


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(appendonly=False).start()
    yield server
    server.stop()


class FakeClock:
    """The Redis clock as the test sets it; a sleep moves it on."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make_pacer(server: RedisServer, *, per_second: float, clock: FakeClock | None = None, **kwargs) -> EmailSendPacer:
    client = redis.Redis.from_url(
        server.url(0), socket_timeout=2, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    options = {"lease_seconds": 21.0, "patience_seconds": 2.0, **kwargs}
    if clock is not None:
        options |= {"clock": clock, "sleep": clock.sleep}
    return EmailSendPacer(client=client, per_second=per_second, key_prefix=f"test:pacing:{next(_prefixes)}", **options)


def test_a_new_state_waits_one_second_then_spaces_the_turns(redis_server):
    clock = FakeClock()
    # Eight a second: a spacing of 1/8 s adds up without rounding.
    pacer = make_pacer(redis_server, per_second=8, clock=clock)
    began = clock.now

    taken = []
    for _ in range(30):
        pacer.done(pacer.take(transactional=True))
        taken.append(clock.now)

    # Nothing is known of the last second of a new state: the first turn waits it out.
    assert taken[0] == pytest.approx(began + 1.0)
    gaps = [later - earlier for earlier, later in itertools.pairwise(taken)]
    assert min(gaps) == pytest.approx(0.125, abs=1e-6)
    assert highest_in_one_second(taken) == 8


def test_turns_in_flight_count_until_they_are_done(redis_server):
    clock = FakeClock()
    pacer = make_pacer(redis_server, per_second=5, clock=clock)
    clock.sleep(1.0)

    in_flight = [pacer.take(transactional=False) for _ in range(5)]
    clock.slept.clear()
    # Five messages not yet handed over: a sixth waits until one is done and a second has passed.
    waiting_since = clock.now
    clock_before_done = clock.now + 3.0

    def done_later(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now >= clock_before_done and in_flight:
            pacer.done(in_flight.pop())

    pacer.sleep = done_later
    pacer.take(transactional=False)
    assert clock.now - waiting_since >= 3.0 + 1.0 - 0.01


def test_a_take_says_the_previous_message_has_left_in_the_same_call(redis_server):
    clock = FakeClock()
    pacer = make_pacer(redis_server, per_second=2, clock=clock)
    clock.sleep(1.0)
    first = pacer.take(transactional=True)
    pacer.take(transactional=True)
    clock.sleep(0.5)

    # Two turns a second, both in flight: no third while neither is done...
    assert pacer._call("take", token="third", transactional=True) == pytest.approx(0.005)
    # ...then, the first said done with this very request, its place frees one second after now.
    assert pacer._call("take", token="third", transactional=True, finished=first) == pytest.approx(1.0)
    clock.sleep(1.0)
    assert pacer._call("take", token="third", transactional=True) == 0


def test_a_transactional_email_goes_before_the_waiting_bulk_ones(redis_server):
    clock = FakeClock()
    pacer = make_pacer(redis_server, per_second=10, clock=clock)
    clock.sleep(1.0)
    pacer.done(pacer.take(transactional=False))

    # The next turn is 0.1 s away. A transactional email asks now and is told to wait for it...
    answer = pacer._call("take", token="person", transactional=True)
    assert answer == pytest.approx(0.1, abs=1e-6)
    clock.now += answer
    # ...and at that moment a campaign's email is turned away, the person's takes the turn.
    assert pacer._call("take", token="campaign", transactional=False) > 0
    assert pacer._call("take", token="person", transactional=True) == 0
    clock.now += 0.1
    assert pacer._call("take", token="campaign", transactional=False) == 0


def test_a_rate_under_one_a_second_spaces_single_turns(redis_server):
    clock = FakeClock()
    pacer = make_pacer(redis_server, per_second=600 / 3600, clock=clock)
    taken = []
    for _ in range(4):
        pacer.done(pacer.take(transactional=True))
        taken.append(clock.now)
    assert [round(b - a, 3) for a, b in itertools.pairwise(taken)] == [6.0, 6.0, 6.0]


def test_a_silent_redis_pauses_then_raises(redis_server):
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2, retry=Retry(NoBackoff(), 0))
    pacer = EmailSendPacer(
        client=dead, per_second=10, key_prefix="test:pacing:dead", lease_seconds=21.0, patience_seconds=0.5
    )
    began = time.monotonic()
    with pytest.raises(EmailSendRateUnavailableError, match="did not answer"):
        pacer.take(transactional=True)
    assert 0.5 <= time.monotonic() - began < 2
    # A done that cannot be recorded is let go.
    pacer.done("lost")


def test_a_redis_that_comes_back_gives_turns_again(redis_server):
    """Restarted without its state, Redis gives no turn for one second, then turns again."""
    server = RedisServer(appendonly=False).start()
    try:
        pacer = make_pacer(server, per_second=50, patience_seconds=10.0)
        pacer.done(pacer.take(transactional=False))
        server.stop()
        restarted = threading.Timer(0.5, server.start)
        restarted.start()
        began = time.monotonic()
        pacer.done(pacer.take(transactional=False))
        waited = time.monotonic() - began
        restarted.join()
        assert waited >= 0.5 + 1.0 - 0.05
    finally:
        server.stop()


def _sender(url: str, prefix: str, per_second: float, transactional: bool, until: float, out: Any) -> None:
    """A process that sends while it may: (asked, turn given, at the relay) of each message, put on `out`."""
    import random

    pacer = EmailSendPacer(
        client=redis.Redis.from_url(url, retry=Retry(NoBackoff(), 0)),
        per_second=per_second,
        key_prefix=prefix,
        lease_seconds=21.0,
        patience_seconds=5.0,
    )
    records = []
    while time.time() < until:
        asked = time.time()
        token = pacer.take(transactional=transactional)
        given = time.time()
        # Messages take their time to reach the relay, some more than others.
        time.sleep(random.uniform(0.0, 0.03))
        records.append((asked, given, time.time()))
        pacer.done(token)
        if transactional:
            time.sleep(0.1)
    out.put((transactional, records))


def test_processes_together_never_exceed_the_rate_and_a_person_goes_first(redis_server):
    """Four bulk senders and a transactional one, a process each, for 4 s at 40/s."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    prefix, per_second = f"test:pacing:{next(_prefixes)}", 40.0
    until = time.time() + 4.0
    processes = [
        context.Process(target=_sender, args=(redis_server.url(0), prefix, per_second, transactional, until, out))
        for transactional in (False, False, False, False, True)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(10)

    records = [record for _, found in results for record in found]
    at_relay = [relay for _, _, relay in records]
    # A new state gives no turn in its first second; from the first turn on, the rate is used.
    first_turn = min(given for _, given, _ in records)
    person_waits = sorted(
        given - asked for transactional, found in results if transactional for asked, given, _ in found
    )
    assert highest_in_one_second(at_relay) <= per_second
    assert len(records) >= 0.85 * per_second * (until - first_turn)
    # A person's email waits for about one spacing (1/40 s), never behind the four campaigns' backlog.
    assert len(person_waits) >= 10
    assert person_waits[-2] <= 0.1, person_waits
