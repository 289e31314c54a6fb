"""Several hosts on one machine: network namespaces joined by veth pairs to a switch namespace.

Each host is a network namespace with one link (a veth pair) to a `switch`
namespace holding a bridge; the hosts share a /24 of 10.213.0.0/16 that
exists only on those links (STYLEGUIDE_HOSTS_SUBNET and
STYLEGUIDE_HOSTS_PREFIX give another /16 and namespace prefix, for runs that
share a machine). Nothing is routed out: the namespaces have no
default route and the machine's own interfaces are not in them. Services of
the machine itself (PostgreSQL, RabbitMQ, the test's SMTP sink) reach a host
through a forward: socat in the host's namespace listens on the host's
address and connects to a Unix socket, which a second socat (or PostgreSQL
itself) serves in the machine's namespace. Cutting a host's link
(`link_down`) makes it unreachable, as a pulled cable does: packets are
dropped, connections are not reset.
"""

import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from testing.processes import ManagedProcess, wait_until
from testing.services import service_missing

# The /16 the hosts' /24s are taken from, and the prefix of namespace and link names.
SUBNET = os.environ.get("STYLEGUIDE_HOSTS_SUBNET", "10.213")
PREFIX = os.environ.get("STYLEGUIDE_HOSTS_PREFIX", "sg")
POSTGRES_SOCKET = Path("/var/run/postgresql/.s.PGSQL.5432")
# iproute2's `ip`, by its full path (root's PATH has /usr/sbin; not every PATH does).
IP = shutil.which("ip") or "/usr/sbin/ip"


def _ip(*args: str) -> None:
    subprocess.run([IP, *args], check=True, capture_output=True, timeout=30)  # noqa: S603


def namespaces_missing_reason() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "needs root to make network namespaces (ip netns); .ci/run runs as root"
    for program in ("ip", "socat"):
        if shutil.which(program) is None:
            return f"needs the {program} program"
    probe = f"{PREFIX}probe{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except (subprocess.CalledProcessError, OSError) as exc:
        return f"cannot make a network namespace: {getattr(exc, 'stderr', None) or exc}"
    _ip("netns", "del", probe)
    return None


@dataclass
class Host:
    name: str
    namespace: str
    address: str
    # The veth end in the switch namespace: down means the host is cut off.
    switch_end: str


@dataclass
class TestBed:
    """The namespaces of one test; `teardown()` stops every process and deletes them."""

    hosts: dict[str, Host] = field(default_factory=dict)
    processes: list[ManagedProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tag = f"{os.getpid() % 10000}{random.randint(0, 99):02d}"  # noqa: S311 - a name, not a secret
        self.subnet = random.randint(100, 250)  # noqa: S311
        self.switch = f"{PREFIX}{self.tag}-sw"
        self.dir = Path(tempfile.mkdtemp(prefix="hosts-"))
        _ip("netns", "add", self.switch)
        self.exec_in(self.switch, "ip", "link", "add", "br0", "type", "bridge")
        self.exec_in(self.switch, "ip", "link", "set", "br0", "up")

    def exec_in(self, namespace: str, *args: str) -> None:
        subprocess.run([IP, "netns", "exec", namespace, *args], check=True, capture_output=True, timeout=30)  # noqa: S603

    def add_host(self, name: str) -> Host:
        number = len(self.hosts) + 1
        namespace = f"{PREFIX}{self.tag}-{name}"
        host_end, switch_end = f"{PREFIX}{self.tag}h{number}", f"{PREFIX}{self.tag}s{number}"
        address = f"{SUBNET}.{self.subnet}.{number}"
        _ip("netns", "add", namespace)
        _ip("link", "add", host_end, "type", "veth", "peer", "name", switch_end)
        _ip("link", "set", host_end, "netns", namespace)
        _ip("link", "set", switch_end, "netns", self.switch)
        self.exec_in(self.switch, "ip", "link", "set", switch_end, "master", "br0")
        self.exec_in(self.switch, "ip", "link", "set", switch_end, "up")
        self.exec_in(namespace, "ip", "link", "set", "lo", "up")
        self.exec_in(namespace, "ip", "addr", "add", f"{address}/24", "dev", host_end)
        self.exec_in(namespace, "ip", "link", "set", host_end, "up")
        host = Host(name=name, namespace=namespace, address=address, switch_end=switch_end)
        self.hosts[name] = host
        return host

    def link_down(self, name: str) -> None:
        self.exec_in(self.switch, "ip", "link", "set", self.hosts[name].switch_end, "down")

    def link_up(self, name: str) -> None:
        self.exec_in(self.switch, "ip", "link", "set", self.hosts[name].switch_end, "up")

    def run(self, host: str, args: list[str], *, env: dict[str, str], name: str) -> ManagedProcess:
        process = ManagedProcess([IP, "netns", "exec", self.hosts[host].namespace, *args], env=env, name=name)
        self.processes.append(process.start())
        return process

    def forward_to_socket(self, host: str, port: int, socket_path: Path, *, name: str) -> None:
        """`host`'s address:`port` leads to the Unix socket `socket_path` of this machine."""
        address = self.hosts[host].address
        self.run(
            host,
            ["socat", f"TCP-LISTEN:{port},bind={address},fork,reuseaddr", f"UNIX-CONNECT:{socket_path}"],
            env=dict(os.environ),
            name=name,
        )
        wait_until(lambda: self._listening(host, port), timeout=10, what=f"{name} listening")

    def forward_to_loopback(self, host: str, port: int, target_port: int, *, name: str) -> None:
        """`host`'s address:`port` leads to 127.0.0.1:`target_port` of this machine (and nowhere else)."""
        socket_path = self.dir / f"{name}.sock"
        process = ManagedProcess(
            ["socat", f"UNIX-LISTEN:{socket_path},fork", f"TCP:127.0.0.1:{target_port}"],
            env=dict(os.environ),
            name=f"{name}-machine",
        ).start()
        self.processes.append(process)
        wait_until(socket_path.exists, timeout=10, what=f"{socket_path}")
        self.forward_to_socket(host, port, socket_path, name=name)

    def _listening(self, host: str, port: int) -> bool:
        result = subprocess.run(  # noqa: S603
            [IP, "netns", "exec", self.hosts[host].namespace, "ss", "-ltnH", f"sport = :{port}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return bool(result.stdout.strip())

    def teardown(self) -> None:
        for process in reversed(self.processes):
            process.stop(timeout=10)
        for host in self.hosts.values():
            subprocess.run([IP, "netns", "del", host.namespace], capture_output=True, timeout=30, check=False)  # noqa: S603
        subprocess.run([IP, "netns", "del", self.switch], capture_output=True, timeout=30, check=False)  # noqa: S603
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def hosts_bed() -> Iterator[TestBed]:
    reason = namespaces_missing_reason()
    if reason is not None:
        service_missing(reason)
    bed = TestBed()
    try:
        yield bed
    finally:
        bed.teardown()
