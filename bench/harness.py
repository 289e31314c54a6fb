"""What every benchmark scenario shares: the services, a fresh database, child processes and statistics.

`bench/run.py` builds one `Bench` per run. Django is set up in the runner's
own process against a database made for the run (`styleguide_bench_<random>`),
so a scenario can use the ORM and call services directly; workers, gunicorn and
the SMTP sink are child processes that get `bench.env()`.

A run touches only what it makes: its own PostgreSQL database (dropped at the
end), its own redis-server on a free loopback port (stopped at the end), its
own RabbitMQ virtual host. Two runs on one machine at once do not meet.
"""

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# A database the run creates, under a name no other run uses; BENCH_DATABASE_NAME
# names one to create instead (the run stops if it exists, rather than drop it).
DATABASE_NAME = os.environ.get("BENCH_DATABASE_NAME") or f"styleguide_bench_{uuid.uuid4().hex[:12]}"
# Unset: the run starts a redis-server of its own. Set (redis://host:port): that
# server, with two of its databases for the broker and Django's cache, which
# must be empty or claimed for test runs (testing/redis_dbs.py).
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "")
BROKER_DB = int(os.environ.get("BENCH_REDIS_BROKER_DB", "11"))
CACHE_DB = int(os.environ.get("BENCH_REDIS_CACHE_DB", "12"))

# Figure = one number in bench/results/latest.json.
Figures = dict[str, Any]


@dataclass
class Target:
    """A goal of the issue, checked against this run's figures."""

    name: str
    description: str
    value: float
    limit: float
    # "min": value must be >= limit; "max": value must be <= limit.
    kind: str

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.kind == "min" else self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "value": round(self.value, 4),
            "limit": self.limit,
            "kind": self.kind,
            "met": self.met,
        }


@dataclass
class ScenarioResult:
    figures: Figures = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    # Rows of the printed table: (what, project, comparison, ratio or note).
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass
class Bench:
    quick: bool
    sink_url: str = ""
    # redis://host:port of the run's Redis server (its own unless BENCH_REDIS_URL names one).
    redis_base: str = REDIS_BASE

    @property
    def database_url(self) -> str:
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        return f"{base}/{DATABASE_NAME}"

    @property
    def broker_url(self) -> str:
        return f"{self.redis_base}/{BROKER_DB}"

    @property
    def cache_url(self) -> str:
        return f"{self.redis_base}/{CACHE_DB}"

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of a child process (worker, gunicorn): the project's settings on the bench services."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DJANGO_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.django.local",
                "DJANGO_DEBUG": "False",
                # The developer's .env names their stack's services, never the bench's.
                "DJANGO_READ_DOT_ENV_FILE": "False",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.cache_url,
                "CELERY_BROKER_URL": self.broker_url,
                "EMAIL_URL": self.sink_url or "consolemail://",
                "PYTHONUNBUFFERED": "1",
                # The project's default (the runner itself logs warnings only).
                "LOG_LEVEL": "INFO",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            }
        )
        env.update(overrides)
        return {key: value for key, value in env.items() if value is not None}

    # --- set-up of the run ---

    def create_database(self) -> None:
        """Create the run's database; one that exists already is someone else's, and stops the run."""
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            try:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            except psycopg.errors.DuplicateDatabase:
                raise SystemExit(
                    f'database "{DATABASE_NAME}" exists already: the bench creates a database of its own and '
                    "drops only that one. Unset BENCH_DATABASE_NAME (a fresh name per run) or name one that "
                    "does not exist."
                ) from None

    def drop_database(self) -> None:
        """Drop the database this run created (its own processes are stopped by now)."""
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')

    def setup_django(self) -> None:
        """Django in this process, on the bench database and Redis, tasks sent to the broker (not eager)."""
        for key, value in self.env().items():
            if key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "EMAIL_")):
                os.environ[key] = value
        os.environ["LOG_LEVEL"] = "WARNING"
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)

    def flush_redis(self) -> None:
        from testing.redis_dbs import redis_db_empty

        redis_db_empty(self.broker_url)
        redis_db_empty(self.cache_url)

    def environment(self) -> Figures:
        """The machine and the versions the figures were measured with."""
        import celery
        import django
        import redis
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
        return {
            "cpu_count": os.cpu_count(),
            "memory_gib": round(int(meminfo[1]) / 1024 / 1024, 1),
            "python": platform.python_version(),
            "django": django.get_version(),
            "celery": celery.__version__,
            "redis_server": redis.Redis.from_url(self.broker_url).info("server")["redis_version"],
            "redis_py": redis.__version__,
            "postgresql": pg_version,
            "platform": platform.platform(),
        }


@contextmanager
def bench_services(*, quick: bool, sink_url: str) -> Iterator[Bench]:
    """A `Bench` with Django set up on the run's own database and Redis server, both removed at the end.

    The Redis server is the run's own unless BENCH_REDIS_URL names one.
    """
    from testing.processes import RedisServer

    redis_server = None if REDIS_BASE else RedisServer(appendonly=False).start()
    try:
        redis_base = REDIS_BASE if redis_server is None else f"redis://127.0.0.1:{redis_server.port}"
        bench = Bench(quick=quick, sink_url=sink_url, redis_base=redis_base)
        bench.create_database()
        try:
            bench.setup_django()
            yield bench
        finally:
            bench.drop_database()
    finally:
        if redis_server is not None:
            redis_server.stop()


# --- measurements ---


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile (0-100) by the nearest-rank method."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def redis_command_count(url: str) -> int:
    """Commands the Redis server has executed since it started (every client, every database).

    A measurement takes the difference of two readings: resetting the server's
    statistics would change what every other user of the server sees.
    """
    import redis

    stats = redis.Redis.from_url(url).info("commandstats")
    # The INFO calls of the measurement itself are not the work measured.
    return sum(int(value["calls"]) for name, value in stats.items() if name != "cmdstat_info")


def pg_commits(database: str = DATABASE_NAME) -> int:
    """Transactions committed in `database`, from pg_stat_database.

    A backend reports its counts when it goes idle (at most once a second) or
    exits: read this after the processes measured have stopped.
    """
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (database,)).fetchone()
    return int(row[0]) if row else 0


def process_tree_rss_kib(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, in KiB."""
    from testing.processes import descendants

    total = 0
    for member in {pid, *descendants(pid)}:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time the processes `pids` have used so far (gone ones count 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def process_tree(pid: int) -> set[int]:
    from testing.processes import descendants

    return {pid, *descendants(pid)}


def postgres_pids() -> set[int]:
    """Every PostgreSQL server process on this machine (backends and background workers)."""
    pids = set()
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().startswith("postgres"):
                pids.add(int(comm.parent.name))
        except OSError:
            continue
    return pids


@contextmanager
def peak_rss(pid: int, *, interval: float = 0.2) -> Iterator[Callable[[], int]]:
    """Samples the RSS of a process tree while the block runs; yields a getter of the peak (KiB)."""
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], process_tree_rss_kib(pid))
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield lambda: peak[0]
    finally:
        stop.set()
        thread.join()


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def run_quietly(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, **kwargs)  # noqa: S603


def fmt(value: float, digits: int = 1) -> str:
    if value != value:  # NaN
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"
