import uuid
from collections.abc import Callable, Iterator

import pytest

from testing.processes import ManagedProcess, start_beat


@pytest.fixture
def celery_beat(live_env: dict[str, str]) -> Iterator[Callable[..., ManagedProcess]]:
    """Start real `celery beat` processes sharing a lock key of this test's own; all are stopped at the end.

    The lock lives 6 seconds (30 in production) so that a takeover is quick,
    and long enough that a beat slowed down by a busy machine keeps it.
    """
    lock_key = f"styleguide_project:test:beat:lock:{uuid.uuid4().hex}"
    started: list[ManagedProcess] = []

    def start(*, name: str = "beat", wait: bool = True) -> ManagedProcess:
        env = {**live_env, "BEAT_LOCK_KEY": lock_key, "BEAT_LOCK_TTL_SECONDS": "6"}
        beat = start_beat(env=env, name=name, wait=wait)
        started.append(beat)
        return beat

    yield start
    for beat in started:
        beat.stop()
