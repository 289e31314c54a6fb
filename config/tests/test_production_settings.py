"""config.django.production, each run in a fresh process as a server would start it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What an operator sets; the key is long and random-looking, as check --deploy demands.
SAMPLE_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.django.production",
    "DJANGO_SECRET_KEY": "p7#vF2q!Lr9@xW4z$Kd8^Nm3&Ts6*Yb1(Hc5)Gj0-Ue2_Ri7+Oa4=Zw9~Qe1%Xn",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "DATABASE_URL": "postgres://app:pw@db.internal:5432/app",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/1",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.internal:587",
    "FLOWER_BASIC_AUTH": "ops:Vq8s-2Lx9#tR4mZw",
}


def run_manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    # The test's own DJANGO_* variables stay out, and so does a developer's .env.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env["DJANGO_READ_DOT_ENV_FILE"] = "False"
    env.update(SAMPLE_ENVIRONMENT)
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "variable",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "EMAIL_URL"],
)
def test_start_up_stops_without_a_required_variable(variable):
    # Empty rather than unset: a developer's .env would fill an unset variable.
    result = run_manage("check", **{variable: ""})

    assert result.returncode != 0
    assert f"{variable} is required in production" in result.stderr


def test_logs_are_json_lines_on_stdout():
    code = "import logging; logging.getLogger('styleguide_project.demo').warning('hello %s', 'ops', extra={'n': 1})"

    result = run_manage("shell", "-c", code)

    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if "styleguide_project.demo" in line]
    entry = json.loads(line)
    assert (entry["level"], entry["message"], entry["n"]) == ("WARNING", "hello ops", 1)


def test_debug_is_off_even_when_the_environment_asks_for_it():
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", DJANGO_DEBUG="True")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DJANGO_SECRET_KEY", "change-me", "known placeholder"),
        ("DJANGO_SECRET_KEY", "django-insecure-local-development-only", "known placeholder"),
        ("DJANGO_SECRET_KEY", "short-but-random-7f3a9", "shorter than 50"),
        ("DJANGO_SECRET_KEY", "ab" * 40, "fewer than 5 distinct"),
        ("DATABASE_URL", "sqlite:////tmp/production.sqlite3", "must point to PostgreSQL"),
        ("CELERY_BROKER_URL", "memory://", "must name a real broker"),
        ("EMAIL_URL", "consolemail://", "must be an SMTP URL"),
        ("EMAIL_URL", "memorymail://", "must be an SMTP URL"),
        ("FLOWER_BASIC_AUTH", "admin:change-me", "weak password"),
        ("FLOWER_BASIC_AUTH", "ops:Vq8s-2Lx9#tR4mZw,admin:hunter2", "weak password for 'admin'"),
        ("METRICS_TOKEN", "change-me", "known placeholder"),
        ("METRICS_TOKEN", "s3cret-metrics-token", "shorter than 32"),
    ],
)
def test_start_up_stops_on_an_unsafe_value_naming_the_variable(variable, value, says):
    result = run_manage("check", **{variable: value})

    assert result.returncode != 0
    [message] = [line for line in result.stderr.splitlines() if line.startswith("django.core.exceptions")]
    assert variable in message
    assert says in message


def test_marks_of_published_runs_batched_close_to_the_relays_wait_stop_start_up():
    result = run_manage("check", OUTBOX_RELAY_AFTER_SECONDS="4", OUTBOX_MARK_BATCH_SECONDS="2")

    assert result.returncode != 0
    assert "OUTBOX_MARK_BATCH_SECONDS must be from 0 to a quarter of OUTBOX_RELAY_AFTER_SECONDS (1), not 2." in (
        result.stderr
    )


def test_health_counts_eager_mode_as_a_failure_outside_development():
    code = "from django.conf import settings; print(settings.HEALTH_EAGER_IS_OK)"

    result = run_manage("shell", "-c", code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"


def test_the_wsgi_application_defaults_to_production_settings():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.update({k: v for k, v in SAMPLE_ENVIRONMENT.items() if k != "DJANGO_SETTINGS_MODULE"})
    code = "import config.wsgi, os; print(os.environ['DJANGO_SETTINGS_MODULE'])"

    result = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "config.django.production"
