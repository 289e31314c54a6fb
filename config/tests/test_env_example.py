"""Every variable the settings read is documented in .env.example."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""env(?:\.\w+|_\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
DOCUMENTED_VALUE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)
REQUIRED = re.compile(r"""required\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config").rglob("*.py"):
        if "tests" not in path.parts:
            names |= set(READ.findall(path.read_text()))
    return names


def test_settings_read_some_variables():
    # Guards the regular expression: if it stopped matching, the test below would pass vacuously.
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY"} <= variables_read_by_settings()


def test_every_variable_is_in_env_example():
    documented = set(DOCUMENTED.findall((ROOT / ".env.example").read_text()))

    assert variables_read_by_settings() - documented == set()


def test_the_production_example_selects_production_without_debug():
    values = dict(DOCUMENTED_VALUE.findall((ROOT / ".env.production.example").read_text()))

    assert values["DJANGO_SETTINGS_MODULE"] == "config.django.production"
    assert values["DJANGO_DEBUG"] == "False"


def test_the_production_example_lists_every_variable_production_requires():
    required = set(REQUIRED.findall((ROOT / "config" / "checks.py").read_text()))
    documented = set(DOCUMENTED.findall((ROOT / ".env.production.example").read_text()))

    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL", "SUPPORT_EMAIL"} <= required
    assert required - documented == set()


def test_the_development_example_does_not_select_production():
    values = dict(DOCUMENTED_VALUE.findall((ROOT / ".env.example").read_text()))

    assert values["DJANGO_SETTINGS_MODULE"] == "config.django.local"
