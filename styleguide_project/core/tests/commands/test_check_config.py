"""`manage.py check_config` in a fresh process with production settings, as the release step runs it."""

import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from testing.processes import free_port, process_env

ROOT = Path(__file__).resolve().parents[4]


def production_env(**overrides: str) -> dict[str, str]:
    values = {
        "DJANGO_SETTINGS_MODULE": "config.django.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "api.styleguide.test",
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "DEFAULT_FROM_EMAIL": "noreply@styleguide.test",
        "SUPPORT_EMAIL": "support@styleguide.test",
    }
    return process_env(**{**values, **overrides})


def check_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check_config", "--timeout", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_services_that_do_not_answer_are_each_named_with_their_host_and_what_to_check():
    # Ports nothing listens on: refused at once.
    closed = [free_port() for _ in range(3)]
    env = production_env(
        DATABASE_URL=f"postgres://app:hunter2@127.0.0.1:{closed[0]}/app",
        CELERY_BROKER_URL=f"redis://:brokerpw@127.0.0.1:{closed[1]}/1",
        REDIS_URL=f"redis://127.0.0.1:{closed[2]}/0",
    )

    result = check_config(env)

    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    head, *lines = result.stderr.strip().splitlines()
    assert head == "3 services did not answer:"
    assert [line.split(":")[0].removeprefix("  - ") for line in lines] == [
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "REDIS_URL",
    ]
    assert f"PostgreSQL at 127.0.0.1:{closed[0]}, database 'app'" in lines[0]
    assert "that the database exists (createdb)" in lines[0]
    assert f"redis broker at 127.0.0.1:{closed[1]}" in lines[1]
    assert f"Redis at 127.0.0.1:{closed[2]}" in lines[2]
    # Hosts, never the passwords of the URLs.
    assert "hunter2" not in result.stderr
    assert "brokerpw" not in result.stderr


def test_a_refused_configuration_exits_3_before_connecting():
    env = production_env(DATABASE_URL="", CELERY_BROKER_URL="", REDIS_URL="", SUPPORT_EMAIL="")

    result = check_config(env)

    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "(4 problems)" in result.stderr.splitlines()[0]
    assert "services did not answer" not in result.stderr


@pytest.mark.integration
def test_reachable_services_pass(live_env):
    # A database of the test server that does not exist is named as such.
    missing = urlsplit(live_env["DATABASE_URL"])._replace(path="/no_such_database_here").geturl()
    env = production_env(**{var: live_env[var] for var in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")})

    fine = check_config(env)
    absent = check_config({**env, "DATABASE_URL": missing})

    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert fine.stdout.splitlines()[0] == "Configuration: accepted by config.django.production"
    assert [line.split(":")[0] for line in fine.stdout.splitlines()[1:]] == ["database", "broker", "redis"]
    assert absent.returncode == 4
    assert 'database "no_such_database_here" does not exist' in absent.stderr
