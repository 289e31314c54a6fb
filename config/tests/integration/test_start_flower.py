"""`docker/start-flower`: every path but /healthcheck takes the password, /metrics included, on loopback by default.

Flower 2.2 exempts /metrics from its basic auth and has no option to change
that; config/flower.py puts it back behind the password. The script keeps
Flower on loopback by default and says so when given another address.
"""

from pathlib import Path

import pytest

from testing.http import http_json
from testing.processes import ManagedProcess, free_port, process_env
from testing.services import service_missing

pytestmark = pytest.mark.integration

CREDENTIALS = "ops:not-a-real-password"
PATHS = ("/healthcheck", "/metrics", "/", "/api/workers")
WARNING = "start-flower: FLOWER_ADDRESS=0.0.0.0 is not loopback: Flower, which can revoke tasks, answers there"


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port`, from the kernel's socket tables."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        service_missing("needs Linux's /proc/net/tcp to read which addresses a process listens on")
    addresses = set()
    for table in tables:
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            hex_address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add(_address(hex_address))
    return addresses


def _address(hex_address: str) -> str:
    if len(hex_address) == 8:
        return ".".join(str(b) for b in reversed(bytes.fromhex(hex_address)))
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1].hex() for i in range(0, 32, 8)]
    return ":".join(words)


def start_flower(broker_url: str, **env: str) -> tuple[ManagedProcess, int]:
    port = free_port()
    process = ManagedProcess(
        ["docker/start-flower"],
        env=process_env(CELERY_BROKER_URL=broker_url, FLOWER_BASIC_AUTH=CREDENTIALS, FLOWER_PORT=str(port), **env),
        name="flower",
    ).start()
    process.wait_for_output(r"Visit me at http://[^:]+:\d+", timeout=60)
    return process, port


def test_by_default_flower_is_on_loopback_only_and_only_its_health_check_is_open(broker_url):
    process, port = start_flower(broker_url)
    try:
        addresses = listening_addresses(port)
        base = f"http://127.0.0.1:{port}"
        anonymous = {path: http_json("GET", base + path)[0] for path in PATHS}
        wrong = {path: http_json("GET", base + path, basic_auth="ops:wrong")[0] for path in PATHS}
        with_password = {path: http_json("GET", base + path, basic_auth=CREDENTIALS)[0] for path in PATHS}
    finally:
        process.stop()

    assert addresses == {"127.0.0.1"}
    assert anonymous == {"/healthcheck": 200, "/metrics": 401, "/": 401, "/api/workers": 401}
    assert wrong == anonymous
    assert with_password == {"/healthcheck": 200, "/metrics": 200, "/": 200, "/api/workers": 200}
    assert "is not loopback" not in process.output


def test_another_address_is_announced(broker_url):
    process, port = start_flower(broker_url, FLOWER_ADDRESS="0.0.0.0")  # noqa: S104 - what the test is about
    try:
        addresses = listening_addresses(port)
    finally:
        process.stop()

    assert addresses == {"0.0.0.0"}  # noqa: S104 - what the test is about
    assert WARNING in process.output
