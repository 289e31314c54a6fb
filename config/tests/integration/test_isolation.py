"""A developer's `.env` and running stack are out of the test suite's reach.

The suite runs in a copy of the project whose `.env` is `.env.example` as it
stands, the way README tells a developer to set up the stack, while that
stack's Redis databases hold a canary key and its PostgreSQL database a row.
"""

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg import sql

from config.env import env
from testing.processes import ROOT
from testing.services import service_missing

pytestmark = pytest.mark.integration

# Enough of the suite to cover what reads the environment, Redis and the
# database: settings, health checks, throttles (the cache), task enqueueing.
SELECTION = (
    "config/tests/test_env.py",
    "config/tests/test_celery_settings.py",
    "styleguide_project/api/tests",
    "styleguide_project/tasks/tests/services",
)
# A newcomer's shell: no service variable of its own.
LEFT_OUT = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "STYLEGUIDE_REQUIRE_SERVICES")


# The database of the stack is .env.example's, with a name of this run's own:
# two runs at once (two developers' suites, CI and a benchmark) must not drop
# each other's, and a developer's real database is never created or dropped.
RUN_DATABASE_SUFFIX = f"_isolation_{uuid.uuid4().hex[:8]}"


def _stack_env_text() -> str:
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("DATABASE_URL="):
            line += RUN_DATABASE_SUFFIX
        lines.append(line)
    return "\n".join(lines) + "\n"


def _stack_settings() -> dict[str, str]:
    values = {}
    for line in _stack_env_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[key.strip()] = value.strip()
    return values


@pytest.fixture
def project_with_stack_env(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".mypy_cache", ".pytest_cache", "__pycache__", ".env", "db.sqlite3", "staticfiles"
        ),
    )
    (copy / ".env").write_text(_stack_env_text())
    return copy


@pytest.fixture
def redis_canaries() -> Iterator[list[tuple[redis.Redis, str]]]:
    """A key in each Redis database the stack of .env.example uses."""
    stack = _stack_settings()
    canaries = []
    key = f"styleguide_project:isolation-canary:{uuid.uuid4().hex}"
    try:
        for url in (stack["REDIS_URL"], stack["CELERY_BROKER_URL"]):
            client = redis.Redis.from_url(url, socket_connect_timeout=1)
            client.set(key, "the stack's data")
            canaries.append((client, key))
    except redis.RedisError as exc:
        service_missing(f"the Redis of .env.example is not answering: {exc}")
    yield canaries
    for client, name in canaries:
        client.delete(name)


@pytest.fixture
def database_canary() -> Iterator[tuple[str, str, str]]:
    """A row in a table of the stack's PostgreSQL database (created for the test when missing)."""
    config = env.db_url_config(_stack_settings()["DATABASE_URL"])
    name = config["NAME"]
    admin_url = f"postgresql://{config['USER'] or 'postgres'}@{config['HOST']}:{config['PORT'] or 5432}/postgres"
    stack_url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=2)
    except psycopg.OperationalError as exc:
        service_missing(f"the PostgreSQL of .env.example is not answering: {exc}")
    with admin:
        created = not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if created:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    table = f"isolation_canary_{uuid.uuid4().hex[:12]}"
    value = uuid.uuid4().hex
    with psycopg.connect(stack_url, autocommit=True) as stack:
        stack.execute(sql.SQL("CREATE TABLE {} (value text)").format(sql.Identifier(table)))
        stack.execute(sql.SQL("INSERT INTO {} VALUES (%s)").format(sql.Identifier(table)), [value])
    yield stack_url, table, value
    if created:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    else:
        with psycopg.connect(stack_url, autocommit=True) as stack:
            stack.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))


def _databases(admin_url: str) -> set[str]:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        return {row[0] for row in admin.execute("SELECT datname FROM pg_database")}


def test_the_suite_with_the_stacks_env_leaves_the_stacks_data_alone(
    project_with_stack_env, redis_canaries, database_canary
):
    stack_url, table, value = database_canary
    admin_url = stack_url.rsplit("/", 1)[0] + "/postgres"
    databases_before = _databases(admin_url)
    run_env = {
        key: value
        for key, value in os.environ.items()
        if key not in LEFT_OUT and not key.startswith(("DJANGO_", "PYTEST_"))
    }

    completed = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *SELECTION],
        cwd=project_with_stack_env,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert " passed" in completed.stdout.strip().splitlines()[-1]
    for client, key in redis_canaries:
        assert client.get(key) == b"the stack's data"
    with psycopg.connect(stack_url) as stack:
        rows = stack.execute(sql.SQL("SELECT value FROM {}").format(sql.Identifier(table))).fetchall()
    assert rows == [(value,)]
    # No test database was made next to the stack's (other runs on this
    # server may come and go meanwhile: only names made from it count).
    made = {name for name in _databases(admin_url) - databases_before if RUN_DATABASE_SUFFIX in name}
    assert made == set()
