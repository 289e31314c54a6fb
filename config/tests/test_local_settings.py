"""`make run`'s settings: the verification link leads to the development page while DEBUG is on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READ = "from django.conf import settings; print(settings.EMAIL_VERIFICATION_URL)"


def _local(**variables: str) -> str:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_VERIFICATION_URL", "DJANGO_DEBUG", "DEV_SITE_URL"}
    }
    environ |= {"DJANGO_SETTINGS_MODULE": "config.django.local", **variables}
    code = f"import django; django.setup(); {READ}"
    result = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"EMAIL_VERIFICATION_URL": ""}, "http://127.0.0.1:8000/dev/verify-email/?token={token}"),
        (
            {"EMAIL_VERIFICATION_URL": "", "DEV_SITE_URL": "http://127.0.0.1:8787/"},
            "http://127.0.0.1:8787/dev/verify-email/?token={token}",
        ),
        ({"EMAIL_VERIFICATION_URL": "", "DJANGO_DEBUG": "false"}, ""),
    ],
)
def test_the_verification_link_leads_to_the_development_page_only_under_debug(variables, expected):
    assert _local(**variables) == expected


def _site_url(**variables: str) -> subprocess.CompletedProcess[str]:
    environ = {
        key: value for key, value in os.environ.items() if key not in {"SITE_URL", "DJANGO_DEBUG", "DEV_SITE_URL"}
    }
    environ |= {"DJANGO_SETTINGS_MODULE": "config.django.local", **variables}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"DEV_SITE_URL": "http://127.0.0.1:8787/"}, "http://127.0.0.1:8787"),
        ({"SITE_URL": "https://api.mysite.org/"}, "https://api.mysite.org"),
        ({"DJANGO_DEBUG": "false"}, ""),
    ],
)
def test_the_unsubscribe_links_site_is_the_development_server_under_debug(variables, expected):
    result = _site_url(**variables)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("value", ["api.mysite.org", "ftp://api.mysite.org", "https://api.mysite.org/app"])
def test_a_site_url_that_is_not_an_http_address_without_a_path_stops_start_up(value):
    result = _site_url(SITE_URL=value)

    assert result.returncode != 0
    assert "SITE_URL must be an http(s) address without a path" in result.stderr
