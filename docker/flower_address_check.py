"""Says on stderr when Flower is about to listen beyond loopback: `python docker/flower_address_check.py ADDRESS`.

Flower answers /metrics and /healthcheck without its password (it exempts
them from basic auth and has no option to change that), so whatever can reach
the address reads them. Exits 0 either way: compose runs Flower on 0.0.0.0
inside its container and publishes the port on the host's loopback only.
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
        f"start-flower: FLOWER_ADDRESS={address} is not loopback: /metrics and /healthcheck answer there without "
        "credentials (Flower exempts them from FLOWER_BASIC_AUTH). Publish the port on loopback only, and have "
        "any proxy in front refuse those two paths (docs/deploy.md).\n"
    )
