"""@one_instance on the backend the settings select: Redis with REDIS_URL (as in .ci/run), the cache otherwise."""

import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from celery import shared_task
from django.conf import settings

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.locks.selectors import task_lock_list
from styleguide_project.tasks.locks.services import task_lock_free
from styleguide_project.tasks.locks.task_lock import one_instance, one_instance_skipped, task_lock
from testing.processes import ROOT, process_env, wait_until

# Runs of `blocking_job` wait here until the test lets them finish.
release_run = threading.Event()
entered_run = threading.Event()


@shared_task(base=ProjectTask, name="tests.locks.blocking_job", ignore_result=True, needs_failure_handler=False)
@one_instance(timeout=30)
def blocking_job() -> str:
    entered_run.set()
    release_run.wait(timeout=10)
    return "ran"


@shared_task(base=ProjectTask, name="tests.locks.failing_job", ignore_result=True, needs_failure_handler=False)
@one_instance
def failing_job() -> None:
    raise RuntimeError("boom")


@shared_task(base=ProjectTask, name="tests.locks.keyed_job", ignore_result=True, needs_failure_handler=False)
@one_instance(key="tests.account:{account_id}")
def keyed_job(*, account_id: int) -> int:
    held = [lock.key for lock in task_lock_list()]
    assert f"tests.account:{account_id}" in held
    return account_id


def held_keys() -> list[str]:
    return [lock.key for lock in task_lock_list() if lock.key.startswith("tests.")]


@pytest.fixture(autouse=True)
def no_test_locks() -> Iterator[None]:
    def free_all() -> None:
        for key in held_keys():
            task_lock_free(key=key)

    free_all()
    yield
    release_run.set()
    free_all()


def test_the_backend_follows_the_settings():
    lock = task_lock(key="tests.kind", timeout=5)

    assert type(lock).__name__ == ("RedisTaskLock" if settings.REDIS_URL else "CacheTaskLock")


# The database: each run's cancel guard looks its id up, from the runs' threads too.
@pytest.mark.django_db(transaction=True)
def test_one_run_goes_through_and_a_concurrent_one_is_skipped(caplog):
    release_run.clear()
    entered_run.clear()
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(blocking_job.apply().result))
    first.start()
    assert entered_run.wait(timeout=10)

    skipped = blocking_job.apply().result

    release_run.set()
    first.join(timeout=10)
    assert skipped == one_instance_skipped("tests.locks.blocking_job")
    assert results == ["ran"]
    assert "another run holds the one_instance lock 'tests.locks.blocking_job'" in caplog.text
    # Released when the run ended: the next run goes through.
    assert blocking_job.apply().result == "ran"


@pytest.mark.django_db
@pytest.mark.task_failure_expected
def test_the_lock_is_released_after_an_exception():
    with pytest.raises(RuntimeError):
        failing_job.delay()

    assert held_keys() == []


@pytest.mark.django_db
def test_keys_come_from_the_task_arguments():
    assert keyed_job.delay(account_id=1).result == 1

    assert held_keys() == []


def test_a_run_does_not_release_a_lock_it_no_longer_owns():
    first = task_lock(key="tests.owner", timeout=0.3)
    assert first.acquire()
    wait_until(lambda: "tests.owner" not in held_keys(), timeout=5, what="the first lock to lapse")
    second = task_lock(key="tests.owner", timeout=30)
    assert second.acquire()

    assert first.release() is False

    assert held_keys() == ["tests.owner"]
    assert second.release() is True


def test_an_abandoned_lock_lapses_after_its_timeout():
    abandoned = task_lock(key="tests.abandoned", timeout=0.3)
    assert abandoned.acquire()
    assert not task_lock(key="tests.abandoned", timeout=30).acquire()

    wait_until(lambda: task_lock(key="tests.abandoned", timeout=30).acquire(), timeout=5, what="the lock to lapse")


def test_the_lock_of_a_killed_process_lapses_by_its_ttl(redis_url):
    # A second process takes the lock and is killed with SIGKILL: no finally runs.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from styleguide_project.tasks.locks.task_lock import task_lock;"
            "assert task_lock(key='tests.killed', timeout=1.5).acquire();"
            "print('held', flush=True); import time; time.sleep(60)",
        ],
        cwd=ROOT,
        env=process_env(REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.django.test"),
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"held"
        holder.kill()
        holder.wait(timeout=5)

        assert "tests.killed" in held_keys()
        assert not task_lock(key="tests.killed", timeout=30).acquire()
        wait_until(lambda: "tests.killed" not in held_keys(), timeout=10, what="the killed holder's lock to lapse")
        assert task_lock(key="tests.killed", timeout=30).acquire()
    finally:
        holder.kill()


def test_the_cache_fallback_lists_every_lock_taken_at_once(settings):
    # Its index of held locks is one cache entry that every acquire updates:
    # threads taking locks at once, switching as often as the interpreter
    # can, must not lose one another's updates.
    settings.REDIS_URL = ""
    # 200 locks: fewer than the local-memory cache keeps (300) before it culls.
    threads_count, keys_each = 8, 25
    start = threading.Barrier(threads_count)
    failed: list[str] = []

    def take(number: int) -> None:
        start.wait(timeout=10)
        for key_number in range(keys_each):
            key = f"tests.at_once.{number}.{key_number}"
            if not task_lock(key=key, timeout=30).acquire():
                failed.append(key)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=take, args=(number,)) for number in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        sys.setswitchinterval(switch_interval)

    assert failed == []
    assert len(held_keys()) == threads_count * keys_each
