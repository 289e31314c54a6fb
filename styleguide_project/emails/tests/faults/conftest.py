"""The fault-injection harness: each test gets its own Redis, the PostgreSQL test database,
real `celery worker` processes and an SMTP sink that records Message-IDs.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from kombu import Connection

from styleguide_project.emails.models import Email
from styleguide_project.emails.services.delivery import email_message_id
from styleguide_project.tasks.app.celery import app as celery_app
from testing.brokers import RABBITMQ_HOST, RABBITMQ_PORT, celery_app_on_broker
from testing.processes import ManagedProcess, RedisServer, process_env, start_worker, wait_until
from testing.proxy import TcpProxy
from testing.smtp import SmtpSink

# One line per scenario, printed at the end of the run (pytest captures print()).
FAULT_REPORTS: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FAULT_REPORTS:
        terminalreporter.section("fault injection: counts per scenario")
        for line in FAULT_REPORTS:
            terminalreporter.write_line(line)


@dataclass
class Faults:
    """What a scenario needs: the services, the worker processes, and the counts to report."""

    redis: RedisServer
    sink: SmtpSink
    env: dict[str, str]
    workers: list[ManagedProcess] = field(default_factory=list)
    kills: int = 0
    # On RabbitMQ: every process reaches the broker through this, so a test can cut it off.
    rabbitmq_proxy: TcpProxy | None = None
    # The broker as the test reaches it directly (not through the proxy), to count what waits there.
    broker_direct_url: str = ""

    def broker_stop(self) -> None:
        """The broker goes away: redis-server stops, or RabbitMQ's connections are cut and refused."""
        if self.rabbitmq_proxy is not None:
            self.rabbitmq_proxy.cut()
        else:
            self.redis.stop()

    def broker_start(self) -> None:
        if self.rabbitmq_proxy is not None:
            self.rabbitmq_proxy.restore()
        else:
            self.redis.start()

    def queued(self) -> int:
        """Messages waiting in the project's queues on the broker, Redis or RabbitMQ."""
        total = 0
        with Connection(self.broker_direct_url, connect_timeout=5) as connection:
            for name in settings.TASK_QUEUES:
                channel = connection.channel()
                try:
                    total += channel.queue_declare(queue=name, passive=True).message_count  # type: ignore[attr-defined] # kombu's channel
                except connection.channel_errors:
                    pass  # not declared yet: nothing was ever sent to it
                finally:
                    channel.close()  # type: ignore[attr-defined]
        return total

    def start_worker(self, **kwargs: object) -> ManagedProcess:
        worker = start_worker(env=self.env, name=f"fault-worker-{len(self.workers)}", **kwargs)  # type: ignore[arg-type]
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: ManagedProcess) -> None:
        worker.kill()
        self.kills += 1

    def wait_all_settled(self, *, accepted: int, timeout: float = 120) -> None:
        def settled() -> bool:
            return Email.objects.filter(status__in=[Email.Status.SENT, Email.Status.FAILED]).count() >= accepted

        wait_until(settled, timeout=timeout, interval=0.5, what=f"{accepted} emails SENT or FAILED")

    def report(self, scenario: str, *, accepted: int) -> dict[str, int]:
        ids = Counter(message.message_id for message in self.sink.messages)
        expected_ids = {email_message_id(email=email) for email in Email.objects.only("id")}
        failed = Email.objects.filter(status=Email.Status.FAILED).count()
        counts = {
            "accepted": accepted,
            "sent": Email.objects.filter(status=Email.Status.SENT).count(),
            "failed": failed,
            "delivered": len(ids),
            "duplicates": sum(n - 1 for n in ids.values()),
            # Neither delivered nor in the known FAILED end state.
            "lost": accepted - len(ids) - failed,
            "kills": self.kills,
        }
        assert set(ids) <= expected_ids, "a message the project did not send"
        line = " ".join(f"{key}={value}" for key, value in counts.items())
        FAULT_REPORTS.append(f"{scenario}: {line}")
        return counts


@pytest.fixture
def redis_server_factory() -> Iterator[Callable[..., RedisServer]]:
    servers: list[RedisServer] = []

    def make(*, appendonly: bool) -> RedisServer:
        server = RedisServer(appendonly=appendonly).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


# The relay inside each worker brings back what was lost: a run the broker
# lost is due again after 4 s on an idle queue, and a killed worker's run after
# its lease of 10 s (batches take ~1 s). A scenario may set its own, or keep the
# shipped settings (`shipped_relay=True`).
QUICK_RELAY = {
    "OUTBOX_RELAY_INTERVAL_SECONDS": "1",
    "OUTBOX_LOST_AFTER_SECONDS": "4",
    "OUTBOX_RUN_LEASE_SECONDS": "10",
}


@pytest.fixture
def faults_factory(
    live_db_url: str, smtp_sink: SmtpSink, redis_server_factory, broker_kind: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Faults]]:
    """Faults on the test's own Redis (cache and locks; the broker too on "redis"), or RabbitMQ behind a proxy."""
    made: list[Faults] = []
    stack = ExitStack()

    def make(*, appendonly: bool = True, shipped_relay: bool = False, **env: str) -> Faults:
        redis = redis_server_factory(appendonly=appendonly)
        proxy = None
        broker_url = direct_url = redis.url(0)
        if broker_kind == "rabbitmq":
            vhost = request.getfixturevalue("rabbitmq_vhost")
            vhost.queues_delete()
            proxy = TcpProxy(target_host=RABBITMQ_HOST, target_port=RABBITMQ_PORT).start()
            stack.callback(proxy.stop)
            broker_url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/{vhost.name}"
            direct_url = vhost.url()
        # This process publishes to the test's own broker too.
        stack.enter_context(celery_app_on_broker(celery_app, broker_url))
        faults = Faults(
            redis=redis,
            sink=smtp_sink,
            rabbitmq_proxy=proxy,
            broker_direct_url=direct_url,
            env=process_env(
                DATABASE_URL=live_db_url,
                CELERY_BROKER_URL=broker_url,
                REDIS_URL=redis.url(1),
                EMAIL_URL=smtp_sink.url,
                # RabbitMQ's delayed delivery needs countdowns of a second or more.
                TASK_RETRY_BACKOFF_SECONDS="2" if broker_kind == "rabbitmq" else "1",
                TASK_RETRY_BACKOFF_MAX_SECONDS="2",
                **{**({} if shipped_relay else QUICK_RELAY), **env},
            ),
        )
        made.append(faults)
        return faults

    with stack:
        yield make
        for faults in made:
            for worker in faults.workers:
                worker.stop(timeout=5)
