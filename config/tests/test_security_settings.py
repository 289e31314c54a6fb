"""Production's security settings: trusted proxies, HSTS's bounds, and the headers every answer carries."""

import json

import pytest
from django.test import Client

from config.tests.test_production_settings import run_manage

PRINT_HSTS = (
    "from django.conf import settings as s; import json; "
    "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
    "s.TRUSTED_PROXIES]))"
)


def test_hsts_lasts_a_year_and_preload_is_off_by_default():
    result = run_manage("shell", "-c", PRINT_HSTS)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [31536000, True, False, []]


def test_preload_is_on_only_when_said_so():
    result = run_manage("shell", "-c", PRINT_HSTS, DJANGO_SECURE_HSTS_PRELOAD="True", TRUSTED_PROXIES="127.0.0.1")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [31536000, True, True, ["127.0.0.1/32"]]


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"DJANGO_SECURE_HSTS_SECONDS": "60"}, "DJANGO_SECURE_HSTS_SECONDS: is 60, shorter than a year"),
        (
            {"DJANGO_SECURE_HSTS_PRELOAD": "True", "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "False"},
            "DJANGO_SECURE_HSTS_PRELOAD: needs HSTS of a year or more",
        ),
        ({"TRUSTED_PROXIES": "10.0.0.0/8,nginx"}, "TRUSTED_PROXIES has 'nginx', which is not a network"),
        ({"NUM_PROXIES": "1"}, "NUM_PROXIES is no longer read: set TRUSTED_PROXIES"),
    ],
)
def test_start_up_stops_on_an_unsafe_value_naming_it(environment, message):
    result = run_manage("check", **environment)

    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/docs/", "/accounts/login/", "/api/health/live/"])
def test_every_answer_carries_the_policies(path):
    response = Client().get(path)

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
