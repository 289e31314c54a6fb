"""The client's address: X-Forwarded-For counts only from a peer in TRUSTED_PROXIES, read from the right."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from config.env import env_networks
from styleguide_project.core.client_address import PEER_ADDRESS_KEY, ClientAddressMiddleware, client_address

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


def address(peer, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **extra))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # A peer that is not one of our proxies is the client, whatever it writes.
        ("198.51.100.7", "203.0.113.1", "198.51.100.7"),
        ("198.51.100.7", "10.0.0.1", "198.51.100.7"),
        # Our proxy: the right-most address that is not one of our proxies.
        ("10.0.0.2", "203.0.113.1", "203.0.113.1"),
        ("10.0.0.2", "forged, 198.51.100.1, 203.0.113.1", "203.0.113.1"),
        ("10.0.0.2", "198.51.100.1, 203.0.113.1, 10.9.9.9", "203.0.113.1"),
        ("10.0.0.2", " 203.0.113.1 ,, ", "203.0.113.1"),
        ("2001:db8:ffff::1", "2001:db8:1::5", "2001:db8:1::5"),
        # An IPv4 proxy seen through a dual-stack socket is still our proxy.
        ("::ffff:10.0.0.2", "203.0.113.1", "203.0.113.1"),
        # Our proxy with no header, or only our proxies in it: a request from inside.
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3, 10.0.0.4", "10.0.0.3"),
    ],
)
def test_the_client_is_the_right_most_address_no_trusted_proxy_added(settings, peer, forwarded, expected):
    settings.TRUSTED_PROXIES = PROXIES

    assert address(peer, forwarded) == expected


def test_with_no_trusted_proxy_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []

    assert address("10.0.0.2", "203.0.113.1") == "10.0.0.2"


def test_the_middleware_puts_the_client_in_remote_addr_and_keeps_the_peer(settings):
    settings.TRUSTED_PROXIES = PROXIES
    seen: dict[str, str] = {}

    def view(request):
        meta = request.META
        seen.update(client=meta["REMOTE_ADDR"], peer=meta[PEER_ADDRESS_KEY], again=client_address(request))
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1")
    ClientAddressMiddleware(view)(request)

    # Asking again after the middleware gives the same answer.
    assert seen == {"client": "203.0.113.1", "peer": "10.0.0.2", "again": "203.0.113.1"}


def test_trusted_proxies_are_read_as_networks(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.1.2.3/8,::1")

    assert env_networks("TRUSTED_PROXIES") == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.internal", "10.0.0.0/8;127.0.0.1"])
def test_a_value_that_is_not_a_network_stops_start_up_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("TRUSTED_PROXIES", value)

    with pytest.raises(ImproperlyConfigured, match=r"^TRUSTED_PROXIES has '.*', which is not a network"):
        env_networks("TRUSTED_PROXIES")
