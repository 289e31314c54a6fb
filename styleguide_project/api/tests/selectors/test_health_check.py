import threading
import time

from styleguide_project.api.selectors import _Bounded


def test_a_check_that_overruns_gives_the_default_without_waiting_for_it():
    release = threading.Event()
    bounded = _Bounded("a stuck check", lambda: release.wait(30) and "late", seconds=0.1)

    started = time.monotonic()
    value = bounded.result(default="given up")
    elapsed = time.monotonic() - started
    release.set()

    assert value == "given up"
    assert elapsed < 1


def test_a_check_that_finishes_gives_its_value():
    assert _Bounded("a quick check", lambda: "done", seconds=5).result(default="given up") == "done"
