import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_choice, env_database

ROOT = Path(__file__).resolve().parents[2]


def test_unset_url_falls_back_to_the_default(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    config = env_database("DATABASE_URL", default="sqlite:////srv/data/x.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/data/x.sqlite3"


def test_postgres_url_is_parsed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.internal:5433/app")

    config = env_database("DATABASE_URL", default="sqlite:///unused")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("db.internal", 5433, "app", "app")


@pytest.mark.parametrize(
    "written",
    [
        "$q*eo+c&2!)u9^tpd6f=0szxt6+th!j^#z9$1mh!kyen*36($t)",
        "$HOME",
        "$$double",
        "ends-with-$",
        "middle-$HOME-value",
        "back\\slash\\$dollar",
        "\\$escaped-at-start",
        "",
    ],
)
def test_values_are_read_as_written_never_as_references_to_other_variables(monkeypatch, written):
    # A key from get_random_secret_key() starts with `$` about once in fifty.
    monkeypatch.setenv("SOME_SECRET", written)

    assert env.str("SOME_SECRET", default="") == written
    assert env("SOME_SECRET", default="") == written


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("localhost/mydb", "scheme '' is not one of"),
        ("http://example.com/db", "scheme 'http' is not one of"),
        ("postgres://u@h:notaport/db", "Port could not be cast"),
        ("postgres://u@h:5432", "names no database"),
    ],
)
def test_malformed_url_names_the_variable(monkeypatch, url, reason):
    monkeypatch.setenv("DATABASE_URL", url)

    with pytest.raises(ImproperlyConfigured, match=reason) as excinfo:
        env_database("DATABASE_URL", default="sqlite:///unused")

    assert str(excinfo.value).startswith("DATABASE_URL is not a valid database URL")


def test_malformed_url_stops_start_up_with_the_variable_named():
    environ = {**os.environ, "DATABASE_URL": "not-a-database-url", "DJANGO_SETTINGS_MODULE": "config.django.local"}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )

    assert result.returncode != 0
    assert "DATABASE_URL is not a valid database URL" in result.stderr


@pytest.mark.parametrize("rate", ["5/minute", "100/hour", "1/s", "2/day"])
def test_a_throttle_rate_is_read(monkeypatch, rate):
    from config.settings.rest_framework import env_rate

    monkeypatch.setenv("SOME_RATE", rate)

    assert env_rate("SOME_RATE", default="1/hour") == rate


@pytest.mark.parametrize("rate", ["5", "5/fortnight", "0/hour", "-1/hour", "five/hour", ""])
def test_a_malformed_throttle_rate_names_the_variable(monkeypatch, rate):
    from config.settings.rest_framework import env_rate

    monkeypatch.setenv("SOME_RATE", rate)

    with pytest.raises(ImproperlyConfigured, match="SOME_RATE must be a rate such as 10/minute"):
        env_rate("SOME_RATE", default="1/hour")


def test_a_choice_outside_the_list_names_the_variable(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be one of plain, json, not 'xml'"):
        env_choice("LOG_FORMAT", choices=("plain", "json"), default="plain")


def test_a_choice_falls_back_to_its_default(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)

    assert env_choice("LOG_FORMAT", choices=("plain", "json"), default="plain") == "plain"
