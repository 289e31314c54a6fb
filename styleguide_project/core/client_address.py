"""The client's address: the socket's peer, or what a trusted proxy says in X-Forwarded-For.

Anyone can write an `X-Forwarded-For` header, so it only counts when the
request came from a proxy of our own: a peer inside one of the networks of
`TRUSTED_PROXIES`. Each proxy appends the address it received the request
from, so the chain is read from the right, skipping our own proxies; the first
address that is not one of them is the client (whatever the client wrote
further left is ignored). With `TRUSTED_PROXIES` empty, the default, the
header is never read.

`ClientAddressMiddleware` puts the answer in `REMOTE_ADDR` for everything
that reads it (DRF, Sentry, logs); the throttles call `client_address()`
themselves, so that they count the same with or without the middleware.
"""

import functools
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Where the middleware keeps the socket's own peer once REMOTE_ADDR holds the client.
PEER_ADDRESS_KEY = "styleguide.peer_address"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    # Checked when the settings load (config.env.env_networks).
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # An IPv4 proxy seen through a dual-stack socket.
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address the request came from, as far as our own proxies can vouch for it."""
    meta = request.META
    peer = str(meta.get(PEER_ADDRESS_KEY) or meta.get("REMOTE_ADDR") or "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(peer, networks):
        return peer
    address = peer
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        address = hop
        if not _is_trusted(hop, networks):
            return hop
    # Every hop is one of our proxies (a request made from inside): the first of them.
    return address


class ClientAddressMiddleware:
    """Sets `REMOTE_ADDR` to `client_address()`, keeping the socket's peer under `PEER_ADDRESS_KEY`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = client_address(request)
        request.META.setdefault(PEER_ADDRESS_KEY, request.META.get("REMOTE_ADDR", ""))
        request.META["REMOTE_ADDR"] = address
        return self.get_response(request)
