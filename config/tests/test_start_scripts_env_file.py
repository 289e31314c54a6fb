"""The start scripts take `.env` as the settings do (docker/env_file.py), in a checkout of their own."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The parts the scripts' .env reading uses, and a .env whose values need quoting in shell."""
    for part in ("docker/env_file.py", "docker/start-worker", "config/__init__.py", "config/env.py"):
        (tmp_path / part).parent.mkdir(exist_ok=True)
        shutil.copy2(ROOT / part, tmp_path / part)
    (tmp_path / ".env").write_text(
        "CELERY_BROKER_URL=redis://127.0.0.1:1/3\nFLOWER_BASIC_AUTH=ops:it's $HOME; `true`\nLOG_LEVEL=WARNING\n"
    )
    return tmp_path


def shell(checkout: Path, script: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "FLOWER_"))}
    env.pop("LOG_LEVEL", None)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own command line
        ["sh", "-c", script],  # noqa: S607 - the shell the scripts name
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_scripts_see_the_values_of_dot_env_verbatim(checkout):
    result = shell(
        checkout,
        'eval "$(python docker/env_file.py)"; printf "%s\\n" "$CELERY_BROKER_URL" "$FLOWER_BASIC_AUTH" "$LOG_LEVEL"',
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["redis://127.0.0.1:1/3", "ops:it's $HOME; `true`", "WARNING"]


def test_the_environment_wins_over_dot_env_and_can_turn_it_off(checkout):
    script = 'eval "$(python docker/env_file.py)"; printf "%s\\n" "${CELERY_BROKER_URL:-unset}" "${LOG_LEVEL:-unset}"'

    overridden = shell(checkout, script, LOG_LEVEL="DEBUG")
    off = shell(checkout, script, DJANGO_READ_DOT_ENV_FILE="False")

    assert overridden.stdout.splitlines() == ["redis://127.0.0.1:1/3", "DEBUG"]
    assert off.stdout.splitlines() == ["unset", "unset"]


def test_start_worker_finds_the_broker_of_dot_env(checkout):
    # A `celery` that says what it was asked and with which broker, instead of starting a worker.
    bin_dir = checkout / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    (bin_dir / "celery").write_text('#!/bin/sh\necho "celery $* on $CELERY_BROKER_URL"\n')
    for program in ("python", "celery"):
        (bin_dir / program).chmod(0o755)
    path = f"{bin_dir}:/usr/bin:/bin"

    started = shell(checkout, "docker/start-worker bulk", PATH=path)
    refused = shell(checkout, "docker/start-worker bulk", PATH=path, DJANGO_READ_DOT_ENV_FILE="False")

    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("celery -A styleguide_project.tasks worker --loglevel WARNING -Q bulk ")
    assert started.stdout.rstrip().endswith(" on redis://127.0.0.1:1/3")
    assert refused.returncode != 0
    assert "CELERY_BROKER_URL: is not set" in refused.stderr


def test_a_failure_to_read_dot_env_stops_the_script(checkout):
    (checkout / "config" / "env.py").write_text("raise RuntimeError('broken')\n")

    result = shell(checkout, "docker/start-worker bulk")

    assert result.returncode == 1
    assert "RuntimeError: broken" in result.stderr
    assert "CELERY_BROKER_URL" not in result.stderr
