"""Says on stderr when Flower is about to listen beyond loopback: `python docker/flower_address_check.py ADDRESS`.

Flower's pages, API and /metrics take its password (/metrics through
config/flower.py); /healthcheck answers anyone who reaches the address, and
everything else is one password away from revoking tasks. Exits 0 either way:
compose runs Flower on 0.0.0.0 inside its container and publishes the port on
the host's loopback only.
"""

import ipaddress
import sys

address = sys.argv[1]
try:
    loopback = address == "localhost" or ipaddress.ip_address(address).is_loopback
except ValueError:
    loopback = False
if not loopback:
    sys.stderr.write(
        f"start-flower: FLOWER_ADDRESS={address} is not loopback: Flower, which can revoke tasks, answers there "
        "behind FLOWER_BASIC_AUTH only, and /healthcheck without it. Publish the port on loopback only, or reach "
        "it through a TLS proxy (docs/deploy.md).\n"
    )
