"""A deployment of several hosts on this machine (testing/hosts.py), for the `hosts` scenarios.

Hosts: `services` (PostgreSQL through a forward, the SMTP sink through a
forward, the Redis of REDIS_URL), `broker` (a redis-server of its own, or
RabbitMQ through a forward), `web` (gunicorn),
`worker1` and `worker2` (a worker each, consuming every queue) and `beat1`
and `beat2` (a beat each, one active and one standby). Every process is
stopped and every namespace deleted after each test.
"""

import http.client
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from testing.brokers import RABBITMQ_PORT, RabbitVhost
from testing.hosts import IP, POSTGRES_SOCKET, TestBed, hosts_bed
from testing.processes import ManagedProcess, celery_command, process_env, wait_until
from testing.reports import report
from testing.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[4]
BEAT_LOCK_TTL_SECONDS = 6
# A periodic task every 2 s, made in the admin's way (not declared in code, so
# the sync leaves it alone): beat's schedule, seen from the workers' receipts.
TICK_INTERVAL_SECONDS = 2
TICK_TASK = "tasks.outbox_run_delete_finished"


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP to the web host through gunicorn's Unix socket: the test runs outside the hosts' network."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("web", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


@dataclass
class Cluster:
    bed: TestBed
    sink: SmtpSink
    env: dict[str, str]
    web_socket: str
    broker_kind: str
    workers: dict[str, ManagedProcess] = field(default_factory=dict)
    beats: dict[str, ManagedProcess] = field(default_factory=dict)

    def request(self, method: str, path: str, *, token: str, timeout: float = 30) -> tuple[int, Any]:
        connection = UnixHTTPConnection(self.web_socket, timeout=timeout)
        try:
            connection.request(method, path, headers={"Authorization": f"Token {token}", "Host": "localhost"})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        return response.status, json.loads(body) if body else None

    def manage(self, host: str, code: str, *, timeout: float = 120) -> str:
        """Run Python in a Django shell on `host` (a one-off process there, as an operator would)."""
        process = subprocess.run(  # noqa: S603 - our own command line, the machine's ip
            [IP, "netns", "exec", self.bed.hosts[host].namespace, sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert process.returncode == 0, process.stdout[-2000:] + process.stderr[-4000:]
        return process.stdout

    def start_worker(self, host: str) -> ManagedProcess:
        worker = self.bed.run(
            host,
            celery_command(
                "worker",
                "--loglevel",
                "INFO",
                "-Q",
                "transactional,bulk,maintenance",
                "--concurrency",
                "2",
                "--hostname",
                f"{host}@%h",
                "--without-mingle",
                "--without-gossip",
            ),
            env=self.env,
            name=f"hosts-{host}",
        )
        self.workers[host] = worker
        return worker

    def start_beat(self, host: str) -> ManagedProcess:
        beat = self.bed.run(host, celery_command("beat", "--loglevel", "INFO"), env=self.env, name=f"hosts-{host}")
        self.beats[host] = beat
        return beat

    def task_receipts(self, task_name: str) -> list[tuple[float, str]]:
        """(time, task id) of each run of `task_name` a worker received, from the workers' logs."""
        stamp = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})"
        pattern = re.compile(
            rf"^{stamp} INFO MainProcess \S+: Task {re.escape(task_name)}\[([0-9a-f-]+)\] received", re.MULTILINE
        )
        found: dict[str, float] = {}
        for worker in self.workers.values():
            for stamp, task_id in pattern.findall(worker.output):
                when = time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + int(stamp[20:]) / 1000
                found.setdefault(task_id, when)
        return sorted((when, task_id) for task_id, when in found.items())


def _redis_start(bed: TestBed, host: str, *, name: str) -> None:
    directory = bed.dir / name
    directory.mkdir()
    address = bed.hosts[host].address
    bed.run(
        host,
        [
            *("redis-server", "--bind", address, "--port", "6379", "--save", "", "--dir", str(directory)),
            # Reachable on the hosts' own subnet only, which exists on their links alone.
            *("--protected-mode", "no", "--appendonly", "yes", "--appendfsync", "always"),
        ],
        env=process_env(),
        name=name,
    )


def hosts_report(scenario: str, counts: dict[str, Any]) -> None:
    report(
        "multi-host scenarios: counts", f"{scenario}: " + " ".join(f"{key}={value}" for key, value in counts.items())
    )


@pytest.fixture
def cluster_factory(
    live_db_url: str, smtp_sink: SmtpSink, broker_kind: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Cluster]]:
    made: list[Cluster] = []

    with hosts_bed() as bed:

        def make(*, beats: bool = True) -> Cluster:
            for name in ("services", "broker", "web", "worker1", "worker2", "beat1", "beat2"):
                bed.add_host(name)
            services, broker = bed.hosts["services"].address, bed.hosts["broker"].address
            bed.forward_to_socket("services", 5432, POSTGRES_SOCKET, name="hosts-postgres")
            bed.forward_to_loopback("services", 1025, smtp_sink.port, name="hosts-smtp")
            # The Redis of REDIS_URL (cache, locks, beat's lock) on the services
            # host; the broker alone on the broker host. The request path
            # reads the cache (throttles), so it cannot share the broker's fate.
            redis_address = services
            _redis_start(bed, "services", name="hosts-redis-cache")
            if broker_kind == "redis":
                _redis_start(bed, "broker", name="hosts-redis-broker")
            if broker_kind == "rabbitmq":
                vhost: RabbitVhost = request.getfixturevalue("rabbitmq_vhost")
                vhost.queues_delete()
                bed.forward_to_loopback("broker", RABBITMQ_PORT, RABBITMQ_PORT, name="hosts-rabbitmq")
                broker_url = vhost.url(host=broker)
            else:
                broker_url = f"redis://{broker}:6379/0"
            database = live_db_url.rsplit("/", 1)[1]
            web_socket = str(bed.dir / "web.sock")
            env = process_env(
                DATABASE_URL=f"postgres://postgres@{services}:5432/{database}",
                CELERY_BROKER_URL=broker_url,
                REDIS_URL=f"redis://{redis_address}:6379/1",
                EMAIL_URL=f"smtp://{services}:1025",
                TASK_RETRY_BACKOFF_SECONDS="2",
                TASK_RETRY_BACKOFF_MAX_SECONDS="2",
                # The workers' relay brings back what a host took down with it.
                OUTBOX_RELAY_INTERVAL_SECONDS="2",
                OUTBOX_LOST_AFTER_SECONDS="5",
                OUTBOX_RUN_LEASE_SECONDS="15",
                BEAT_LOCK_TTL_SECONDS=str(BEAT_LOCK_TTL_SECONDS),
                DJANGO_ALLOWED_HOSTS="localhost",
            )
            cluster = Cluster(bed=bed, sink=smtp_sink, env=env, web_socket=web_socket, broker_kind=broker_kind)
            made.append(cluster)
            # The release step, from the web host; then the tick, as an operator would add it.
            cluster.manage(
                "web", "from django.core.management import call_command; call_command('setup_periodic_tasks')"
            )
            cluster.manage(
                "web",
                "from django_celery_beat.models import IntervalSchedule, PeriodicTask; "
                f"every = IntervalSchedule.objects.get_or_create(every={TICK_INTERVAL_SECONDS}, period='seconds')[0]; "
                f"PeriodicTask.objects.create(name='Hosts: tick', task='{TICK_TASK}', interval=every)",
            )
            web = bed.run(
                "web",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "2",
                    "--timeout",
                    "60",
                    "--bind",
                    f"unix:{web_socket}",
                    "--bind",
                    f"{bed.hosts['web'].address}:8000",
                    "config.wsgi:application",
                ],
                env={**env, "DJANGO_SETTINGS_MODULE": "config.django.local"},
                name="hosts-web",
            )
            web.wait_for_output(r"Booting worker", timeout=60)
            wait_until(lambda: Path(web_socket).exists(), timeout=30, what="gunicorn's socket")
            for host in ("worker1", "worker2"):
                cluster.start_worker(host)
            for worker in cluster.workers.values():
                worker.wait_for_output(r"ready\.", timeout=90)
            if beats:
                cluster.start_beat("beat1").wait_for_output(r"beat: Starting\.\.\.", timeout=60)
                # The first beat takes the lock before the second one starts.
                wait_until(lambda: cluster.task_receipts(TICK_TASK), timeout=60, what="a tick")
                cluster.start_beat("beat2").wait_for_output(r"beat: Starting\.\.\.", timeout=60)
            return cluster

        yield make
