"""Anonymous and per-user throttles: 429 in the error shape with Retry-After, counted atomically."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from styleguide_project.api.tests.assertions import assert_throttled
from styleguide_project.api.throttling import AnonRateThrottle, FixedWindowRateThrottle
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
REGISTER = "/api/users/"
ME = "/api/users/me/"


def register_attempt(client, **extra):
    # An empty body: a quick 400 that still passes through the throttles first.
    return client.post(REGISTER, {}, format="json", **extra)


def test_anonymous_requests_are_limited_per_address(api_client, throttle_rates):
    throttle_rates(anon="2/minute")

    statuses = [register_attempt(api_client, REMOTE_ADDR="198.51.100.7").status_code for _ in range(2)]
    throttled = register_attempt(api_client, REMOTE_ADDR="198.51.100.7")
    other_address = register_attempt(api_client, REMOTE_ADDR="198.51.100.8")

    assert statuses == [400, 400]
    assert_throttled(throttled, period_seconds=60)
    assert other_address.status_code == 400


def test_a_forged_forwarded_header_does_not_choose_the_bucket(api_client, throttle_rates):
    # TRUSTED_PROXIES empty (the default): X-Forwarded-For is the client's own text.
    throttle_rates(anon="2/minute")

    responses = [
        register_attempt(api_client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}") for n in range(3)
    ]

    assert [r.status_code for r in responses] == [400, 400, 429]


def test_a_forged_header_from_a_peer_outside_the_trusted_proxies_is_ignored(api_client, throttle_rates, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    throttle_rates(anon="2/minute")

    responses = [
        register_attempt(api_client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 10.0.0.2")
        for n in range(3)
    ]

    assert [r.status_code for r in responses] == [400, 400, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(api_client, throttle_rates, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    throttle_rates(anon="1/minute")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    first = register_attempt(api_client, HTTP_X_FORWARDED_FOR="forged, 203.0.113.1", **proxy)
    # Through a second proxy of ours: still the same client.
    again = register_attempt(api_client, HTTP_X_FORWARDED_FOR="other-forgery, 203.0.113.1, 10.0.0.9", **proxy)
    another_client = register_attempt(api_client, HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy)

    assert (first.status_code, again.status_code, another_client.status_code) == (400, 429, 400)


def test_an_ipv6_client_is_counted_by_its_64_network(api_client, throttle_rates):
    throttle_rates(anon="1/minute")

    first = register_attempt(api_client, REMOTE_ADDR="2001:db8:1:2::1")
    same_network = register_attempt(api_client, REMOTE_ADDR="2001:db8:1:2:ffff::9")
    other_network = register_attempt(api_client, REMOTE_ADDR="2001:db8:1:3::1")

    assert (first.status_code, same_network.status_code, other_network.status_code) == (400, 429, 400)


def test_a_logged_in_user_is_limited_per_user_not_by_the_anonymous_rate(api_client, throttle_rates):
    throttle_rates(anon="1/minute", user="3/minute")
    ada, bob = BaseUserFactory.create_batch(2)

    api_client.force_authenticate(ada)
    ada_statuses = [api_client.get(ME, REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)]
    # From another address it is still the same user, with the same count.
    ada_throttled = api_client.get(ME, REMOTE_ADDR="198.51.100.99")
    api_client.force_authenticate(bob)
    bob_response = api_client.get(ME, REMOTE_ADDR="198.51.100.7")

    assert ada_statuses == [200, 200, 200]
    assert_throttled(ada_throttled, period_seconds=60)
    assert bob_response.status_code == 200


def test_health_is_never_throttled(api_client, throttle_rates):
    throttle_rates(anon="1/minute")

    statuses = {api_client.get("/api/health/").status_code for _ in range(3)}

    assert statuses == {200}


class TestFixedWindow:
    def request(self, address="198.51.100.7"):
        return Request(APIRequestFactory().get("/", REMOTE_ADDR=address))

    def test_the_count_starts_again_in_the_next_window(self, throttle_rates, monkeypatch):
        throttle_rates(anon="2/minute")
        clock = [6_000_030.0]  # 30 seconds into a minute window
        monkeypatch.setattr(FixedWindowRateThrottle, "timer", staticmethod(lambda: clock[0]))

        allowed = [AnonRateThrottle().allow_request(self.request(), None) for _ in range(2)]
        refused = AnonRateThrottle()
        refused_now = refused.allow_request(self.request(), None)
        clock[0] += 30
        next_window = AnonRateThrottle().allow_request(self.request(), None)

        assert allowed == [True, True]
        assert refused_now is False
        assert refused.wait() == 30
        assert next_window is True

    def test_concurrent_requests_cannot_slip_past_the_limit(self, throttle_rates):
        # DRF's own throttle (read the history, append, write it back) lets
        # more than 5 through here on Redis; an atomic counter cannot.
        throttle_rates(anon="5/minute")
        start = threading.Barrier(20)

        def attempt(_):
            throttle = AnonRateThrottle()
            start.wait()
            return throttle.allow_request(self.request(), None)

        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(attempt, range(20)))

        assert results.count(True) == 5


def test_ipv4_mapped_ipv6_clients_count_as_the_ipv4_they_carry():
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from styleguide_project.api.throttling import client_address_key

    def key(address):
        return client_address_key(Request(APIRequestFactory().get("/", REMOTE_ADDR=address)))

    assert key("::ffff:192.0.2.1") == key("192.0.2.1") == "192.0.2.1"
    assert key("::ffff:192.0.2.1") != key("::ffff:192.0.2.2")


def test_requests_go_through_when_the_cache_cannot_count_them(api_client, throttle_rates, unreachable_cache):
    throttle_rates(anon="2/minute", user="2/minute")
    user = BaseUserFactory.create()

    anonymous = [register_attempt(api_client, REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)]
    api_client.force_authenticate(user)
    logged_in = [api_client.get(ME).status_code for _ in range(3)]

    # Uncounted rather than a 500: a rate limit must not take the API down with the cache.
    assert anonymous == [400, 400, 400]
    assert logged_in == [200, 200, 200]


def test_a_method_the_view_does_not_handle_is_not_counted(api_client, throttle_rates):
    throttle_rates(anon="2/minute")

    probes = [api_client.put(REGISTER, {}, format="json").status_code for _ in range(5)]
    statuses = [register_attempt(api_client).status_code for _ in range(3)]

    # The 405s spent nothing: the two allowed requests pass, and the third is throttled.
    assert probes == [405] * 5
    assert statuses == [400, 400, 429]
