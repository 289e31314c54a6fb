"""Real child processes for the integration tests: Celery workers and beats, redis-server, and their clean-up."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from testing.services import service_missing

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.05, what: str = "") -> Any:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


class ManagedProcess:
    """A child process in its own process group, its output in a file."""

    def __init__(self, args: list[str], *, env: dict[str, str], name: str, cwd: Path = ROOT) -> None:
        self.args = args
        self.env = env
        self.name = name
        self.cwd = cwd
        self.log_path = Path(tempfile.mkstemp(prefix=f"{name}-", suffix=".log")[1])
        self.proc: subprocess.Popen[bytes] | None = None
        # A Celery worker's node name, for control commands addressed to it.
        self.hostname = ""

    def start(self) -> "ManagedProcess":
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own command line
                self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def pid(self) -> int:
        assert self.proc is not None  # noqa: S101
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_for_output(self, pattern: str, *, timeout: float = 30) -> re.Match[str]:
        def found() -> re.Match[str] | None:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early:\n{self.output[-4000:]}")
            return re.search(pattern, self.output)

        try:
            match: re.Match[str] = wait_until(found, timeout=timeout, what=f"{pattern!r} from {self.name}")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n--- {self.name} output ---\n{self.output[-4000:]}") from exc
        return match

    def signal(self, signum: int) -> None:
        if self.alive():
            os.killpg(self.pid, signum)

    def stop(self, *, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL for whatever is left of the group."""
        if self.proc is None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=5)

    def kill(self) -> None:
        """What a crash or an OOM kill does: SIGKILL to the whole process group."""
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=5)


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (children, their children, ...), read from /proc.

    honcho starts each of its processes in a session of its own, so a process
    group does not hold them all; their parentage does.
    """
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone while we looked
        children.setdefault(parent, []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def process_start_time(pid: int) -> str | None:
    """When `pid` started (clock ticks since boot), None once it is gone or a zombie.

    A pid and its start time name one process: a pid alone may be reused.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]


def kill_leftovers(processes: dict[int, str]) -> None:
    """SIGKILL each process of `processes` ({pid: start time}) that is still the same process and running."""
    for pid, start_time in processes.items():
        if process_start_time(pid) == start_time:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def process_command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _interpreter_helper(pid: int) -> bool:
    # Python's multiprocessing starts one resource tracker per interpreter on
    # first use, and it lives until the interpreter exits: it belongs to this
    # process, not to what the run started, and killing it early only makes
    # the interpreter start another.
    return "multiprocessing.resource_tracker" in process_command_line(pid)


def leftovers_stop(*, timeout: float = 10) -> list[str]:
    """The processes this one started that are still running after `timeout` seconds; each is killed.

    A test or benchmark run ends with none: a worker or server left behind
    would go on using the run's database and broker, and the machine's CPU.
    """
    deadline = time.monotonic() + timeout
    while True:
        running = {
            pid: start
            for pid in descendants(os.getpid())
            if (start := process_start_time(pid)) is not None and not _interpreter_helper(pid)
        }
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    described = [f"{pid}: {process_command_line(pid)}" for pid in sorted(running)]
    kill_leftovers(running)
    return described


def process_env(**overrides: str) -> dict[str, str]:
    """The environment of a child Celery or Django process: the project's real settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.django.local",
            "DJANGO_DEBUG": "False",
            # The test settings' key (config/django/test.py): what a child hashes
            # with it, such as an email's Message-ID, the test computes the same.
            "DJANGO_SECRET_KEY": "test-only-secret-key",
            # The developer's .env names their stack's services, never the test's.
            "DJANGO_READ_DOT_ENV_FILE": "False",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
            # The project's scripts (docker/start-*, Procfile.dev) call `python`
            # and `celery`: the ones of this virtualenv.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    env.update(overrides)
    return env


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "styleguide_project.tasks", *args]


def start_worker(
    *, env: dict[str, str], name: str = "worker", concurrency: int = 2, extra: tuple[str, ...] = ()
) -> ManagedProcess:
    worker = ManagedProcess(
        celery_command(
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"{name}-{os.getpid()}@{socket.gethostname()}",
            "--without-mingle",
            "--without-gossip",
            *extra,
        ),
        env=env,
        name=name,
    ).start()
    worker.hostname = f"{name}-{os.getpid()}@{socket.gethostname()}"
    try:
        worker.wait_for_output(r"ready\.", timeout=60)
    except BaseException:
        # A worker left running would take the next test's (or run's) messages.
        worker.stop()
        raise
    return worker


def start_beat(*, env: dict[str, str], name: str = "beat", wait: bool = True) -> ManagedProcess:
    """A real `celery beat` with the project's scheduler; `wait=False` returns before it is up."""
    beat = ManagedProcess(celery_command("beat", "--loglevel", "INFO"), env=env, name=name).start()
    if wait:
        beat.wait_for_output(r"beat: Starting\.\.\.", timeout=60)
    return beat


class RedisServer:
    """A redis-server of the test's own on a free loopback port, which the test may stop and restart."""

    def __init__(self, *, appendonly: bool) -> None:
        if shutil.which("redis-server") is None:
            service_missing("needs the redis-server program (Debian package redis-server)")
        self.port = free_port()
        self.appendonly = appendonly
        self.dir = tempfile.mkdtemp(prefix="redis-")
        self.process: ManagedProcess | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", self.dir]
        # appendfsync always: a message Redis accepted survives a restart.
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        self.process = ManagedProcess(args, env=dict(os.environ), name=f"redis-{self.port}").start()
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
