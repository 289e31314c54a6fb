"""`python manage.py check_config`: is this configuration fit to run, and can it reach its services?

The release step runs it first (docker/release). Exit codes:

- 0: fit to run, and the database, the broker and Redis answer;
- 3: the settings refuse the configuration (config/checks.py): every missing,
  placeholder or unsafe variable is listed in one message, with its fix (the
  settings load before any command, so every manage.py command exits the same
  way; production start-up too);
- 4: a service does not answer: each one that fails is named with its host and
  what to check.

It connects with short timeouts (`--timeout`, 5 s), so a silent host fails the
check instead of holding the release.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

EXIT_SERVICES = 4


def _where(url: str) -> str:
    """host:port of `url`, without its credentials."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port}" if parts.port else host


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0]}" if text else exc.__class__.__name__


def database_problem(timeout: float) -> tuple[str, str | None]:
    """(what was checked, why it failed or None)."""
    connection = connections[DEFAULT_DB_ALIAS]
    config = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"{connection.vendor} database {config['NAME']}", None
    where = f"PostgreSQL at {config['HOST'] or 'localhost'}:{config['PORT'] or 5432}, database {config['NAME']!r}"
    # libpq waits for a silent host as long as the kernel does.
    config["OPTIONS"] = {**config.get("OPTIONS", {}), "connect_timeout": max(1, round(timeout))}
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        return where, (
            f"DATABASE_URL: cannot connect to {where} as {config['USER'] or 'the current user'!r} "
            f"({_first_line(exc)}). Check that the server runs and accepts connections from this machine "
            "(listen_addresses, pg_hba.conf, a firewall), that the database exists (createdb) and that the "
            "user and password are right."
        )
    finally:
        connection.close()
    return where, None


def broker_problem(timeout: float) -> tuple[str, str | None]:
    url: str = settings.CELERY_BROKER_URL
    if not url:
        return "no broker (tasks run eagerly)", None
    from kombu import Connection

    where = f"{urlsplit(url).scheme} broker at {_where(url)}"
    try:
        with Connection(url, connect_timeout=timeout, transport_options={"socket_timeout": timeout}) as connection:
            # Kombu's Redis transport pings the server as it opens its first channel.
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=max(1, round(timeout))
            )
    except Exception as exc:  # noqa: BLE001 - every transport has its own errors; each one is the answer
        return where, (
            f"CELERY_BROKER_URL: cannot connect to the {where} ({_first_line(exc)}). Check that the broker runs and "
            "is reachable from this machine, and the URL's password, database number or vhost."
        )
    return where, None


def redis_problem(timeout: float) -> tuple[str, str | None]:
    url: str = settings.REDIS_URL
    if not url:
        return "no Redis (a per-process cache)", None
    import redis

    where = f"Redis at {_where(url)}"
    try:
        redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout).ping()
    except (redis.RedisError, OSError) as exc:
        return where, (
            f"REDIS_URL: cannot connect to {where} ({_first_line(exc)}). Check that Redis runs and is reachable "
            "from this machine, and the URL's password and database number."
        )
    return where, None


class Command(BaseCommand):
    help = (
        "Check the configuration (every missing, placeholder or unsafe variable at once) and connect to the "
        "database, the broker and Redis. Exit 0: fit; 3: variables to fix; 4: a service does not answer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=5.0, help="Seconds to wait for each service.")

    def handle(self, *args: Any, timeout: float, **options: Any) -> None:
        # The settings loaded before this runs (manage.py): a refused configuration never gets here.
        self.stdout.write(f"Configuration: accepted by {settings.SETTINGS_MODULE}")
        failures = []
        for name, check in (("database", database_problem), ("broker", broker_problem), ("redis", redis_problem)):
            where, problem = check(timeout)
            if problem:
                failures.append(problem)
            else:
                self.stdout.write(f"{name}: ok ({where})")
        if failures:
            count = f"{len(failures)} service{'s' if len(failures) != 1 else ''}"
            lines = [f"{count} did not answer:", *(f"  - {failure}" for failure in failures)]
            self.stderr.write("\n".join(lines))
            raise SystemExit(EXIT_SERVICES)
