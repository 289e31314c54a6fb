"""A real Prometheus (Debian's package) scrapes the project's /metrics under gunicorn and Flower on loopback.

Prometheus runs with its own port, configuration and data directory, a 1 s
scrape and evaluation interval, and the shipped alert rules. The test
launches a campaign while no worker runs and sees the queue series rise
through Prometheus's query API, starts a worker and sees it fall back to 0;
then it leaves a managed periodic task ten minutes behind its schedule and
sees StyleguideScheduleOverdue go pending in Prometheus's alerts API.
"""

import secrets
import shutil
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition, every
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.http import http_json
from testing.processes import ROOT, ManagedProcess, free_port, wait_until
from testing.services import service_missing

pytestmark = pytest.mark.integration

TOKEN = secrets.token_urlsafe(24)
# Prometheus scrapes Flower as a user of its own (deploy/prometheus/prometheus.yml).
FLOWER_PROMETHEUS_PASSWORD = "not-a-real-password-either"
FLOWER_CREDENTIALS = f"ops:not-a-real-password,prometheus:{FLOWER_PROMETHEUS_PASSWORD}"
RECIPIENTS = 120


@contextmanager
def started(process: ManagedProcess, *, ready: str, timeout: float = 60) -> Iterator[ManagedProcess]:
    process.start()
    try:
        process.wait_for_output(ready, timeout=timeout)
        yield process
    finally:
        process.stop()


def gunicorn(live_env: dict[str, str], port: int) -> ManagedProcess:
    return ManagedProcess(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "config.wsgi:application"),
        ],
        env={
            **live_env,
            "DJANGO_SETTINGS_MODULE": "config.django.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DEFAULT_FROM_EMAIL": "noreply@styleguide.test",
            "SUPPORT_EMAIL": "support@styleguide.test",
            "WEB_CONCURRENCY": "2",
            "LOG_FORMAT": "plain",
            "METRICS_TOKEN": TOKEN,
            "HEALTH_CACHE_SECONDS": "1",
            # Prometheus scrapes every second here: each scrape sees values at most a second old.
            "METRICS_CACHE_SECONDS": "1",
            "THROTTLE_METRICS_RATE": "1000000/hour",
        },
        name="gunicorn",
    )


def prometheus(tmp_path: Path, *, port: int, web: int, flower: int) -> ManagedProcess:
    binary = shutil.which("prometheus")
    if binary is None:
        service_missing("needs prometheus: apt-get install prometheus (.ci/services.sh ensure_prometheus)")
    (tmp_path / "token").write_text(TOKEN)
    (tmp_path / "flower_password").write_text(FLOWER_PROMETHEUS_PASSWORD)
    shutil.copy(ROOT / "deploy" / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    config = ROOT.joinpath("deploy", "prometheus", "prometheus.yml").read_text()
    config = (
        config.replace("scrape_interval: 15s", "scrape_interval: 1s")
        .replace("evaluation_interval: 15s", "evaluation_interval: 1s")
        .replace("scrape_timeout: 10s", "scrape_timeout: 1s")
        .replace("/etc/prometheus/styleguide_metrics_token", str(tmp_path / "token"))
        .replace("/etc/prometheus/styleguide_flower_password", str(tmp_path / "flower_password"))
        .replace("127.0.0.1:8000", f"127.0.0.1:{web}")
        .replace("127.0.0.1:5555", f"127.0.0.1:{flower}")
    )
    (tmp_path / "prometheus.yml").write_text(config)
    return ManagedProcess(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        env={"PATH": "/usr/bin:/bin"},
        name="prometheus",
    )


def query(port: int, promql: str) -> list[dict]:
    status, body = http_json("GET", f"http://127.0.0.1:{port}/api/v1/query?query={urllib.parse.quote(promql)}")
    assert status == 200, body
    result: list[dict] = body["data"]["result"]
    return result


def value(port: int, promql: str) -> float | None:
    result = query(port, promql)
    return float(result[0]["value"][1]) if result else None


def test_prometheus_sees_the_queue_rise_and_fall_and_an_overdue_schedule_pending(
    tmp_path, live_env, celery_worker, staff_client
):
    BaseUserFactory.create_batch(RECIPIENTS, onboarded_at=timezone.now())
    web, flower_port, port = free_port(), free_port(), free_port()
    flower = ManagedProcess(
        ["docker/start-flower"],
        env={**live_env, "FLOWER_BASIC_AUTH": FLOWER_CREDENTIALS, "FLOWER_PORT": str(flower_port)},
        name="flower",
    )
    with (
        started(gunicorn(live_env, web), ready=r"Booting worker"),
        started(flower, ready=r"Visit me at http://127\.0\.0\.1:\d+"),
        started(prometheus(tmp_path, port=port, web=web, flower=flower_port), ready=r"Server is ready"),
    ):
        try:
            wait_until(
                lambda: value(port, 'up{job="styleguide_project"}') == 1 and value(port, 'up{job="flower"}') == 1,
                timeout=30,
                what="both targets up in Prometheus",
            )
        except TimeoutError:
            _, targets = http_json("GET", f"http://127.0.0.1:{port}/api/v1/targets")
            errors = [(target["scrapeUrl"], target["lastError"]) for target in targets["data"]["activeTargets"]]
            raise AssertionError(f"targets: {errors}") from None
        assert value(port, 'styleguide_scrape_part_up{part="broker"}') == 1
        assert value(port, 'styleguide_queue_messages{queue="bulk"}') == 0

        # No worker yet: the campaign's run waits in its queue (bulk work, config/settings/celery.py).
        response = staff_client.post("/api/emails/campaigns/", {"subject": "News", "plain_text": "Hi"}, format="json")
        assert response.status_code == 202, response.json()
        risen = wait_until(
            lambda: value(port, 'styleguide_queue_messages{queue="bulk"}'),
            timeout=20,
            what="the queue to rise in Prometheus",
        )
        print(f"queue in Prometheus with no worker: {risen} message(s)")  # noqa: T201
        assert risen >= 1
        age = value(port, 'styleguide_queue_oldest_message_age_seconds{queue="bulk"}')
        assert age is not None
        assert age >= 0

        celery_worker(name="scraped", concurrency=2)
        wait_until(
            lambda: (
                value(port, 'styleguide_emails{status="SENT"}') == RECIPIENTS
                and value(port, 'styleguide_queue_messages{queue="bulk"}') == 0
            ),
            timeout=45,
            what="every email sent and the queue empty again in Prometheus",
        )
        peak = value(port, 'max_over_time(styleguide_queue_messages{queue="bulk"}[5m])')
        print(f"queue peak seen by Prometheus: {peak}")  # noqa: T201
        assert peak is not None
        assert peak >= 1
        # From the health report's ping, which every scrape reuses for up to HEALTH_CACHE_SECONDS.
        wait_until(lambda: value(port, "styleguide_workers_answering") == 1, timeout=15, what="the worker answering")

        # A managed task beat left behind: sent ten minutes ago, due every minute.
        periodic_tasks_sync(definitions=[definition("Watched by Prometheus", every(60))], dry_run=False)
        PeriodicTask.objects.filter(name="Watched by Prometheus").update(
            last_run_at=timezone.now() - timedelta(minutes=10)
        )

        def overdue_alert() -> dict | None:
            _, body = http_json("GET", f"http://127.0.0.1:{port}/api/v1/alerts")
            return next(
                (
                    alert
                    for alert in body["data"]["alerts"]
                    if alert["labels"]["alertname"] == "StyleguideScheduleOverdue"
                    and alert["labels"].get("periodic_task") == "Watched by Prometheus"
                ),
                None,
            )

        alert = wait_until(overdue_alert, timeout=20, what="StyleguideScheduleOverdue in Prometheus's alerts")
        print(f"alert: {alert['labels']['alertname']} {alert['state']} since {alert['activeAt']}")  # noqa: T201
        assert alert["state"] == "pending"
        assert float(alert["value"]) >= 500
        # Flower's own series, scraped beside the project's: the task events of the campaign's runs.
        events = wait_until(lambda: query(port, "flower_events_total"), timeout=15, what="Flower's task events")
        assert {series["metric"]["task"] for series in events} >= {"emails.email_campaign_send"}
