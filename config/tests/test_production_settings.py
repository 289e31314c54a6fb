"""config.django.production, each run in a fresh process as a server would start it."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parents[2]

# What an operator sets; the key is long and random-looking, as check --deploy demands.
SAMPLE_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.django.production",
    "DJANGO_SECRET_KEY": "p7#vF2q!Lr9@xW4z$Kd8^Nm3&Ts6*Yb1(Hc5)Gj0-Ue2_Ri7+Oa4=Zw9~Qe1%Xn",
    "DJANGO_ALLOWED_HOSTS": "api.styleguide.test",
    "DATABASE_URL": "postgres://app:pw@db.internal:5432/app",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/1",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.internal:587",
    "FLOWER_BASIC_AUTH": "ops:Vq8s-2Lx9#tR4mZw",
    "DEFAULT_FROM_EMAIL": "Styleguide <noreply@styleguide.test>",
    "SUPPORT_EMAIL": "support@styleguide.test",
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


def test_an_https_site_url_on_a_served_host_passes():
    result = run_manage("check", SITE_URL="https://api.styleguide.test", EMAIL_UNSUBSCRIBE_MAILTO="out@styleguide.test")

    assert result.returncode == 0, result.stdout + result.stderr


REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "SUPPORT_EMAIL",
]


def refusal(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of the one refusal message, each naming a variable; fails on a traceback."""
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("The configuration is refused by config.django.production"), result.stderr
    return [line.removeprefix("  - ") for line in lines[1:]]


@pytest.mark.parametrize("variable", REQUIRED)
def test_start_up_stops_without_a_required_variable(variable):
    # Empty rather than unset: a developer's .env would fill an unset variable.
    result = run_manage("check", **{variable: ""})

    [line] = refusal(result)
    assert line.startswith(f"{variable}: is missing (unset or empty). {FIXES[variable]}")


FIXES = {
    "DJANGO_SECRET_KEY": "Generate one with `python -c",
    "DJANGO_ALLOWED_HOSTS": "Set the host names the site answers to",
    "DATABASE_URL": "Set postgres://user:password@host:5432/name.",
    "CELERY_BROKER_URL": "Set redis://host:6379/1 or amqp://",
    "REDIS_URL": "Set redis://host:6379/0",
    "EMAIL_URL": "Set an SMTP relay",
    "DEFAULT_FROM_EMAIL": "Set the address emails come from",
    "SUPPORT_EMAIL": "Set the address that receives task failure reports.",
}


def test_every_problem_is_listed_in_one_message_with_its_fix():
    # The walk of an operator who copied .env.production.example and filled nothing.
    nothing_filled = {**dict.fromkeys(REQUIRED, ""), "METRICS_TOKEN": "password1" * 5}
    result = run_manage("check", **nothing_filled)

    lines = refusal(result)
    assert [line.split(":")[0] for line in lines] == [*REQUIRED, "METRICS_TOKEN"]
    for line in lines[:-1]:
        variable, rest = line.split(": ", 1)
        assert rest.startswith(f"is missing (unset or empty). {FIXES[variable]}"), line
    assert lines[-1].startswith("METRICS_TOKEN: is not safe: it is or contains a known placeholder. Generate one")
    # The same message from every manage.py command.
    assert run_manage("migrate", **nothing_filled).stderr == result.stderr


def test_a_wsgi_server_gets_the_same_message_and_exit_code():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.update({**SAMPLE_ENVIRONMENT, "DJANGO_READ_DOT_ENV_FILE": "False", "SUPPORT_EMAIL": ""})

    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert refusal(result) == [f"SUPPORT_EMAIL: is missing (unset or empty). {FIXES['SUPPORT_EMAIL']}"]
    assert result.stdout == ""


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
        ("DJANGO_SECRET_KEY", "change-me", "is not safe: it is or contains a known placeholder"),
        ("DJANGO_SECRET_KEY", "django-insecure-local-development-only", "known placeholder"),
        ("DJANGO_SECRET_KEY", "changeme" * 8, "known placeholder"),
        ("DJANGO_SECRET_KEY", "short-but-random-7f3a9", "shorter than 50 characters"),
        ("DJANGO_SECRET_KEY", "xyz123" * 10, "fewer than 16 distinct characters (6)"),
        ("DJANGO_ALLOWED_HOSTS", "api.example.com", "names a placeholder host (api.example.com)"),
        ("DATABASE_URL", "sqlite:////tmp/production.sqlite3", "is sqlite3, not PostgreSQL"),
        ("CELERY_BROKER_URL", "memory://", "names no real broker"),
        ("EMAIL_URL", "consolemail://", "is the console backend, which sends nothing"),
        ("EMAIL_URL", "memorymail://", "is the locmem backend, which sends nothing"),
        ("DEFAULT_FROM_EMAIL", "noreply@example.com", "a placeholder address"),
        ("DEFAULT_FROM_EMAIL", "nobody", "is not an email address"),
        ("SUPPORT_EMAIL", "   ", "is missing"),
        ("SUPPORT_EMAIL", "ops@localhost", "a placeholder address"),
        ("EMAIL_VERIFICATION_URL", "https://app.example.com/verify?token={token}", "placeholder host"),
        ("SITE_URL", "http://api.mysite.org", "is not an https address"),
        ("SITE_URL", "https://api.other.org", "names a host not in DJANGO_ALLOWED_HOSTS (api.other.org)"),
        ("SITE_URL", "https://api.example.com", "placeholder host"),
        ("FLOWER_BASIC_AUTH", "admin:change-me", "the password of 'admin' is weak"),
        ("FLOWER_BASIC_AUTH", "ops:Vq8s-2Lx9#tR4mZw,admin:hunter2", "the password of 'admin' is weak"),
        ("FLOWER_BASIC_AUTH", "ops:abcabcabcabcabcabc", "fewer than 6 distinct characters (3)"),
        ("METRICS_TOKEN", "change-me", "known placeholder"),
        ("METRICS_TOKEN", "password1" * 5, "known placeholder"),
        ("METRICS_TOKEN", "s3cret-metrics-token", "shorter than 32 characters"),
        ("METRICS_TOKEN", "x7-Kq2" * 6, "fewer than 12 distinct characters (6)"),
        ("METRICS_TOKEN", "x7-Kq2mZ9", "shorter than 32 characters"),
    ],
)
def test_start_up_stops_on_an_unsafe_value_naming_the_variable(variable, value, says):
    result = run_manage("check", **{variable: value})

    [line] = refusal(result)
    assert line.startswith(f"{variable}: ")
    assert says in line


@pytest.mark.parametrize("first", ["", "$"], ids=["as-generated", "generated-key-starting-with-dollar"])
def test_generated_secrets_pass(first):
    # get_random_secret_key()'s alphabet holds `$`: about one key in fifty starts with it.
    key = get_random_secret_key()
    generated = {
        "DJANGO_SECRET_KEY": first + key[len(first) :],
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        "FLOWER_BASIC_AUTH": f"ops:{secrets.token_urlsafe(12)}",
    }

    result = run_manage("check", **generated)

    assert result.returncode == 0, result.stderr


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
