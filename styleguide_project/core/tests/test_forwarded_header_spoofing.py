"""A client that reaches the web port directly cannot pick its throttle bucket with X-Forwarded-For.

The deployment trusts its own proxy (`TRUSTED_PROXIES=127.0.0.1/32`, as in
.env.production.example); the attacker connects from elsewhere and writes a
new X-Forwarded-For on every request. Every door that counts per address is
tried: the three logins and /metrics. Then the same header from the trusted
proxy is honoured: each client it names gets a bucket of its own.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from styleguide_project.core.tests.conftest import SECURITY_REPORTS

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"
ATTACKER = "198.51.100.66"
TOKEN = "s3cret-metrics-token-of-this-test"


def api_login(n, peer, forwarded):
    body = {"email": f"user{n}@example.com", "password": "wrong"}
    return APIClient().post("/api/auth/login/", body, format="json", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)


def page_login(n, peer, forwarded):
    body = {"username": f"user{n}@example.com", "password": "wrong"}
    return Client().post("/accounts/login/", body, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)


def admin_login(n, peer, forwarded):
    body = {"username": f"user{n}@example.com", "password": "wrong"}
    return Client().post(f"/{django_settings.ADMIN_URL}login/", body, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)


def metrics_guess(n, peer, forwarded):
    return APIClient().get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer guess-{n}", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded
    )


DOORS = {"api login": api_login, "login page": page_login, "admin login": admin_login, "metrics": metrics_guess}


@pytest.fixture
def deployment(settings, throttle_rates):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    settings.METRICS_TOKEN = TOKEN
    # The shipped login rates; /metrics at 30 an hour so that 40 guesses cross it.
    throttle_rates(login_email="10/hour", login_address="30/hour", anon="100/hour", metrics="30/hour")


@pytest.mark.parametrize("door", DOORS)
def test_a_forged_header_from_a_direct_client_still_ends_in_429(door, deployment):
    attempt = DOORS[door]

    # 40 attempts, each with another email (or token) and another forged client address.
    statuses = [attempt(n, ATTACKER, f"203.0.113.{n}").status_code for n in range(40)]

    SECURITY_REPORTS.append(
        f"{door}: 40 attempts from {ATTACKER}, each with a forged X-Forwarded-For: {statuses.count(429)} got 429"
    )
    assert 429 not in statuses[:30]
    assert set(statuses[30:]) == {429}


@pytest.mark.parametrize("door", DOORS)
def test_the_trusted_proxys_header_names_the_client(door, deployment):
    attempt = DOORS[door]

    # 40 clients through the proxy, one attempt each: 40 buckets, none full.
    many_clients = [attempt(n, PROXY, f"forged-by-client, 203.0.113.{n}").status_code for n in range(40)]
    # One client through the proxy, 40 attempts: its own bucket fills.
    one_client = [attempt(100 + n, PROXY, f"192.0.2.{n}, 198.51.100.9").status_code for n in range(40)]

    SECURITY_REPORTS.append(
        f"{door} through the trusted proxy: 40 clients once each, {many_clients.count(429)} got 429; "
        f"one client 40 times, {one_client.count(429)} got 429"
    )
    assert 429 not in many_clients
    assert 429 not in one_client[:30]
    assert set(one_client[30:]) == {429}
