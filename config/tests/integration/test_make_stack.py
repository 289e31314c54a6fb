"""`make stack`, for real: honcho starts Procfile.dev on this machine's PostgreSQL and Redis.

A client registers, logs in and completes onboarding over HTTP; the welcome
email must reach the SMTP sink through the stack's own worker. Then Ctrl-C
(SIGINT) must stop every process the stack started.
"""

import re
import signal
import sys

import pytest
from django.core.management import get_commands

from testing.http import http_json
from testing.processes import ManagedProcess, descendants, free_port, kill_leftovers, process_start_time, wait_until

pytestmark = pytest.mark.integration

FLOWER_CREDENTIALS = "ops:not-a-real-password"
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def stack_env(live_env, tmp_path):
    # The web process runs it before serving (docker/release): a command that
    # is renamed or gone fails here by name, not later as a stack that never serves.
    assert "setup_periodic_tasks" in get_commands(), "docker/release runs setup_periodic_tasks, which does not exist"
    return {
        **live_env,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(free_port()),
        "FLOWER_PORT": str(free_port()),
        "FLOWER_BASIC_AUTH": FLOWER_CREDENTIALS,
        "CELERY_WORKER_CONCURRENCY": "1",
    }


def test_make_stack_serves_onboarding_and_the_worker_delivers_the_email(stack_env, smtp_sink, tmp_path):
    # honcho lets .env override the environment; an empty file keeps a
    # developer's .env from pointing the stack at their own services.
    no_env_file = tmp_path / "empty.env"
    no_env_file.write_text("")
    stack = ManagedProcess(
        [sys.executable, "-m", "honcho", "--no-colour", "-e", str(no_env_file), "-f", "Procfile.dev", "start"],
        env=stack_env,
        name="stack",
    ).start()
    api = f"http://127.0.0.1:{stack_env['WEB_PORT']}/api"
    # Every process below honcho, {pid: start time}, to check that all of them
    # stop, and to kill what is left if the test fails half-way.
    started: dict[int, str] = {}

    def note_processes() -> None:
        for pid in descendants(stack.pid):
            start_time = process_start_time(pid)
            if start_time is not None:
                started.setdefault(pid, start_time)

    try:

        def stack_ready() -> dict | None:
            note_processes()
            if not stack.alive():
                raise RuntimeError(f"honcho exited:\n{stack.output[-4000:]}")
            try:
                _, health = http_json("GET", f"{api}/health/", timeout=5)
            except OSError:
                return None  # runserver is not listening yet
            if isinstance(health, dict) and (health.get("workers") or {}).get("count"):
                return health
            return None

        health = wait_until(stack_ready, timeout=120, interval=0.5, what="web answering with a live worker")
        assert health["database"] == {"status": "ok"}
        assert health["broker"] == {"status": "ok"}

        # The client's walk through the API, as in the README.
        credentials = {"email": "grace@example.com", "password": "correct-horse-battery"}
        status, user = http_json("POST", f"{api}/users/", body=credentials)
        assert status == 202, user
        status, login = http_json("POST", f"{api}/auth/login/", body=credentials)
        assert status == 200, login
        status, me = http_json("POST", f"{api}/users/me/onboarding/complete/", token=login["token"])
        assert status == 200, me

        # Registration's verification link, then the welcome.
        wait_until(lambda: smtp_sink.count() == 2, timeout=60, what="the verification and welcome emails at the sink")
        assert sorted(message.subject for message in smtp_sink.messages) == [
            "Confirm your email address",
            "Welcome aboard, grace@example.com",
        ]
        assert {tuple(message.to) for message in smtp_sink.messages} == {("grace@example.com",)}

        # Flower runs on the same broker and sees the stack's worker pools, one per queue.
        flower = f"http://127.0.0.1:{stack_env['FLOWER_PORT']}"

        def pools() -> set[str]:
            _, workers = http_json("GET", f"{flower}/api/workers?refresh=1", basic_auth=FLOWER_CREDENTIALS)
            return {name.split("@")[0] for name in workers}

        wait_until(lambda: pools() == {"transactional", "bulk", "maintenance"}, timeout=60, what="three pools")

        # Every process shows in the one stream, prefixed with its name.
        output = ANSI_COLOUR.sub("", stack.output)
        for process in ("web", "worker-transactional", "worker-bulk", "worker-maintenance", "beat", "flower"):
            assert re.search(rf"^\S+ {process}\.1\s+\| ", output, re.MULTILINE), process
        # The onboarding email is delivered by the transactional pool.
        assert re.search(r"worker-transactional\.1\s+\| .*emails\.email_send_batch\[.*\] succeeded", output)
        assert re.search(r"beat\.1\s+\| .*beat: Starting", output)
        # The health endpoint now reports every part good, beat's tick included.
        _, health = http_json("GET", f"{api}/health/")
        assert health["failing"] == [], health

        # Ctrl-C: honcho stops every process it started, and exits.
        note_processes()
        stack.signal(signal.SIGINT)
        assert stack.proc is not None
        stack.proc.wait(timeout=60)
        wait_until(
            lambda: all(process_start_time(pid) != start for pid, start in started.items()),
            timeout=30,
            what="every process of the stack to stop",
        )
        assert "SIGINT received" in stack.output
    finally:
        stack.stop()
        kill_leftovers(started)
