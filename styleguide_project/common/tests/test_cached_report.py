"""The cached, single-flight report (common/cached_report.py), with real threads and Django's cache of the run."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache

from styleguide_project.common.cached_report import CachedReport, OneThread, ReportPolicy

# A bound on every wait: generous, so that a failure is about what is asserted, not a slow machine.
WAIT = 10.0
CALLERS = 8


class Computation:
    """Counts its calls and answers with the call's number; after `hold()` each call waits for `release`."""

    def __init__(self) -> None:
        self.calls = 0
        self._count = threading.Lock()
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def hold(self) -> None:
        self.started.clear()
        self.release.clear()

    def __call__(self) -> str:
        with self._count:
            self.calls += 1
            number = self.calls
        self.started.set()
        if not self.release.wait(WAIT):
            raise TimeoutError("the test never released the computation")
        return f"value {number}"


def policy(**changes: float | bool) -> ReportPolicy:
    values: dict = {"fresh_for": 5.0, "usable_for": 30.0, "keep_for": 60.0, "lock_for": WAIT, "wait_for": WAIT}
    return ReportPolicy(**{**values, "background": True, **changes})


def keep(report: CachedReport[str], value: str, *, age: float) -> None:
    """A value the report kept `age` seconds ago."""
    cache.set(report.key, {"computed_at": time.time() - age, "value": value}, timeout=300)


@pytest.fixture
def computation() -> Iterator[Computation]:
    computation = Computation()
    yield computation
    computation.release.set()


@pytest.fixture
def report(computation: Computation) -> Iterator[CachedReport[str]]:
    key = f"styleguide_project:test:report:{uuid.uuid4().hex}"
    report = CachedReport(name="Test report", key=key, lock_key=f"{key}:lock", compute=computation)
    yield report
    computation.release.set()
    assert report.runner.join(timeout=WAIT)
    cache.delete_many([report.key, report.lock_key])


def in_threads(count: int, ask: Callable[[], str]) -> tuple[list[threading.Thread], list[str]]:
    """`count` threads that call `ask` at the same moment; their answers, once joined."""
    barrier = threading.Barrier(count)
    answers: list[str] = []

    def run() -> None:
        barrier.wait(WAIT)
        answers.append(ask())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, answers


def joined(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive()


def test_a_fresh_value_is_read_and_nothing_is_computed(report, computation):
    keep(report, "kept", age=4)

    assert report.get(policy=policy()) == "kept"
    assert computation.calls == 0


def test_the_first_value_is_computed_and_kept(report, computation):
    first = report.get(policy=policy())
    again = report.get(policy=policy())

    assert (first, again) == ("value 1", "value 1")
    assert computation.calls == 1


def test_a_stale_value_is_answered_at_once_and_refreshed_once_in_the_background(report, computation):
    keep(report, "kept", age=10)
    computation.hold()

    # The refresh waits for `release`, set only after these answers: none of them waited for it.
    answers = [report.get(policy=policy()) for _ in range(3)]
    assert computation.started.wait(WAIT)
    computation.release.set()
    assert report.runner.join(timeout=WAIT)

    assert answers == ["kept"] * 3
    assert computation.calls == 1
    assert report.get(policy=policy()) == "value 1"


def test_many_callers_of_a_stale_value_start_one_refresh(report, computation):
    keep(report, "kept", age=10)
    computation.hold()

    threads, answers = in_threads(CALLERS, lambda: report.get(policy=policy()))
    joined(threads)
    computation.release.set()
    assert report.runner.join(timeout=WAIT)

    assert answers == ["kept"] * CALLERS
    assert computation.calls == 1


def test_a_value_too_old_to_show_is_computed_before_answering(report, computation):
    keep(report, "kept", age=60)

    assert report.get(policy=policy()) == "value 1"
    assert computation.calls == 1


def test_a_caller_without_a_usable_value_waits_for_the_caller_computing_it(report, computation, monkeypatch):
    keep(report, "kept", age=60)
    computation.hold()
    waiting = threading.Event()
    wait = report._wait

    def seen_waiting(*args, **kwargs):
        waiting.set()
        return wait(*args, **kwargs)

    monkeypatch.setattr(report, "_wait", seen_waiting)
    answers: list[str] = []
    computing = threading.Thread(target=lambda: answers.append(report.get(policy=policy())))
    computing.start()
    assert computation.started.wait(WAIT)  # the first caller holds the lock and computes
    waiter = threading.Thread(target=lambda: answers.append(report.get(policy=policy())))
    waiter.start()
    assert waiting.wait(WAIT)
    computation.release.set()
    joined([computing, waiter])

    assert answers == ["value 1", "value 1"]
    assert computation.calls == 1


def test_one_computation_when_many_callers_race_for_a_missing_value(report, computation):
    computation.hold()

    threads, answers = in_threads(CALLERS, lambda: report.get(policy=policy()))
    assert computation.started.wait(WAIT)
    computation.release.set()
    joined(threads)

    assert answers == ["value 1"] * CALLERS
    assert computation.calls == 1


def test_a_caller_that_waited_in_vain_computes_on_its_own(report, computation):
    # A holder that died with the lock: nothing comes.
    cache.add(report.lock_key, 1, timeout=30)

    assert report.get(policy=policy(wait_for=0.2)) == "value 1"
    assert computation.calls == 1


def test_without_background_the_caller_taking_the_lock_computes_and_the_others_answer_with_the_stale_value(
    report, computation
):
    keep(report, "kept", age=10)
    cache.add(report.lock_key, 1, timeout=30)
    while_another_computes = report.get(policy=policy(background=False))
    cache.delete(report.lock_key)
    with_the_lock = report.get(policy=policy(background=False))

    assert (while_another_computes, with_the_lock) == ("kept", "value 1")
    assert computation.calls == 1


def test_no_cache_time_computes_every_time(report, computation):
    keep(report, "kept", age=0)

    answers = [report.get(policy=policy(fresh_for=0)) for _ in range(2)]

    assert answers == ["value 1", "value 2"]


def test_a_cache_that_fails_costs_no_answer(report, computation, unreachable_cache):
    answers = [report.get(policy=policy()) for _ in range(2)]

    assert answers == ["value 1", "value 2"]


def test_one_thread_runs_one_call_at_a_time_and_queues_none():
    runner = OneThread(name="test-one-thread")
    release = threading.Event()

    first = runner.start(lambda: release.wait(WAIT))
    refused = runner.start(lambda: "second")
    release.set()

    assert first is not None
    assert refused is None
    assert first.result(timeout=WAIT) is True
    second = runner.start(lambda: "second")
    assert second is not None
    assert second.result(timeout=WAIT) == "second"
