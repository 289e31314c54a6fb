"""`GET /metrics`: names, labels and values against a known state, on the database and Redis of the run.

The state is written for real: outbox rows in each state, dead letters of
two tasks, emails in each status, two managed periodic tasks beat left behind
(one with a grace of its own, read from the row the sync wrote: the list of
definitions that settings name cannot even be imported here),
messages published to the Redis broker (one of them given an older publish
time in Redis itself), beat's tick. The broker-down case points the app at a
port nobody listens on.
"""

import json
import secrets
import socket
import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from prometheus_client.parser import text_string_to_metric_families

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.metrics import exposition
from styleguide_project.metrics.throttling import MetricsRateThrottle
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.app.registry import task_registered_names
from styleguide_project.tasks.observation.publish_stamp import PUBLISHED_AT_HEADER
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.factories import dead_letter_recorded
from styleguide_project.tasks.tests.periodic_helpers import definition, every
from testing.brokers import celery_app_on_broker

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-metrics-token"
BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
DECLARED = [
    definition("Watched every minute", every(60)),
    definition("Watched with a grace", every(60), grace_seconds=600),
]
WATCHED = (("periodic_task", "Watched every minute"), ("task", "emails.email_failed_summary_send"))
GRACED = (("periodic_task", "Watched with a grace"), ("task", "emails.email_failed_summary_send"))
OUTBOX_STATES = ("unpublished", "published", "started")
TEXT_FORMAT_KEY = exposition.CACHE_KEY.format(format="text_plain_version_0.0.4_charset_utf_8")


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(name, sorted labels): value} of every sample of the exposition."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def outbox_row(task_id: str, *, age: float, **fields) -> None:
    OutboxRun.objects.create(
        task_id=task_id, task_name="tests.probe", created_at=timezone.now() - timedelta(seconds=age), **fields
    )


@pytest.fixture
def known_state(settings):
    settings.PERIODIC_TASKS = "styleguide_project.tasks.tests.unimportable_periodic_tasks.PERIODIC_TASKS"
    now = timezone.now()
    outbox_row("unpublished", age=300)
    outbox_row("published", age=100, published_at=now)
    outbox_row("started", age=50, published_at=now, started_at=now)
    outbox_row("done", age=900, published_at=now, done_at=now)
    # Failed for good: it has a dead letter, so no worker owes it any more.
    outbox_row("failed-for-good", age=1000, published_at=now)
    dead_letter_recorded(age=timedelta(minutes=5), task_name="emails.email_send_batch", task_id="failed-for-good")
    dead_letter_recorded(age=timedelta(hours=2), task_name="emails.email_send_batch")
    dead_letter_recorded(age=timedelta(days=3), task_name="emails.email_send_batch")
    dead_letter_recorded(age=timedelta(days=2), task_name="users.user_onboarding_reminders_send")
    EmailFactory.create_batch(2, status=Email.Status.SENT)
    EmailFactory.create(status=Email.Status.FAILED)
    EmailFactory.create_batch(3, status=Email.Status.SENDING)
    periodic_tasks_sync(definitions=DECLARED, dry_run=False)
    PeriodicTask.objects.update(last_run_at=now - timedelta(seconds=200))
    settings.METRICS_TOKEN = TOKEN
    settings.HEALTH_CACHE_SECONDS = 0
    # No answer kept by an earlier test (the cache outlives a test).
    cache.delete(TEXT_FORMAT_KEY)
    settings.HEALTH_TIMEOUT_SECONDS = 0.3


def test_without_a_token_configured_the_endpoint_does_not_exist(api_client, settings):
    settings.METRICS_TOKEN = ""

    response = api_client.get("/metrics", **BEARER)

    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


def test_a_missing_or_wrong_token_is_refused_in_the_error_shape(api_client, settings):
    settings.METRICS_TOKEN = TOKEN

    missing = api_client.get("/metrics")
    wrong = api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-tokem")
    basic = api_client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")

    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert wrong.status_code == 403
    assert basic.status_code == 401
    for response in (missing, wrong, basic):
        assert set(response.json()) == {"message", "extra"}
        assert TOKEN not in response.content.decode()


def test_scrapes_are_throttled_per_address_wrong_tokens_included(api_client, settings, monkeypatch):
    settings.METRICS_TOKEN = TOKEN
    monkeypatch.setattr(MetricsRateThrottle, "get_rate", lambda self: "2/minute")
    # 30 s into a minute window of its own: no window boundary between the calls, no count from another run.
    window = float(secrets.randbelow(10**9) * 60 + 30)
    monkeypatch.setattr(MetricsRateThrottle, "timer", staticmethod(lambda: window))

    codes = [api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code for _ in range(3)]

    assert codes == [403, 403, 429]
    assert api_client.get("/metrics", **BEARER).status_code == 429


def test_eager_mode_reports_the_database_parts(api_client, known_state):
    values = samples(api_client.get("/metrics", **BEARER))

    assert values[("styleguide_scrape_part_up", (("part", "database"),))] == 1
    assert values[("styleguide_outbox_runs_pending", (("state", "unpublished"),))] == 1
    assert values[("styleguide_emails", (("status", "SENDING"),))] == 3
    assert values[("styleguide_periodic_task_grace_seconds", WATCHED)] == 60
    assert values[("styleguide_periodic_task_grace_seconds", GRACED)] == 600
    # No broker, workers or beat to read in eager mode.
    assert not [key for key in values if key[0].startswith(("styleguide_queue_", "styleguide_workers_"))]


def test_only_the_periodic_tasks_that_are_due_have_series_of_their_own(api_client, known_state):
    # One of the two ran a moment ago: it is not due, and its series would say nothing.
    PeriodicTask.objects.filter(name="Watched with a grace").update(last_run_at=timezone.now())

    values = samples(api_client.get("/metrics", **BEARER))

    assert ("styleguide_periodic_task_overdue_seconds", WATCHED) in values
    assert not [key for key in values if key[0].startswith("styleguide_periodic_task_") and key[1] == GRACED]
    assert values[("styleguide_periodic_tasks_due", (("state", "late"),))] == 1
    assert values[("styleguide_periodic_tasks_due", (("state", "overdue"),))] == 0
    assert values[("styleguide_periodic_tasks_due", (("state", "unchecked"),))] == 0


def test_an_empty_state_shows_every_series_at_0(api_client, settings):
    settings.PERIODIC_TASKS = "styleguide_project.tasks.tests.unimportable_periodic_tasks.PERIODIC_TASKS"
    settings.METRICS_TOKEN = TOKEN
    cache.delete(TEXT_FORMAT_KEY)

    values = samples(api_client.get("/metrics", **BEARER))

    tasks = task_registered_names()
    zero: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {
        **{("styleguide_emails", (("status", status),)): 0.0 for status in Email.Status.values},
        **{("styleguide_outbox_runs_pending", (("state", state),)): 0.0 for state in OUTBOX_STATES},
        **{("styleguide_dead_letters", (("task", task),)): 0.0 for task in tasks},
        **{("styleguide_dead_letters_last_24h", (("task", task),)): 0.0 for task in tasks},
        ("styleguide_outbox_oldest_pending_age_seconds", ()): 0.0,
        ("styleguide_outbox_oldest_unpublished_age_seconds", ()): 0.0,
    }
    assert {key: values.get(key) for key in zero} == zero
    # The project's own tasks among them, the ones a deployment has.
    assert {"emails.email_send_batch", "users.user_onboarding_reminders_send"} <= tasks


def test_every_metric_against_a_known_state_on_redis(api_client, known_state, broker_url, redis_url):
    tick_store = redis.Redis.from_url(redis_url)
    tick_store.set(django_settings.BEAT_LAST_TICK_KEY, str(time.time() - 7), ex=300)
    broker = redis.Redis.from_url(broker_url)
    queue = django_settings.TASK_QUEUE_MAINTENANCE
    with celery_app_on_broker(celery_app, broker_url):
        for number in range(3):
            celery_app.send_task("tests.metrics_probe", kwargs={"number": number}, queue=queue)
        # The oldest message (the rightmost: consumers pop on the right) as if published two minutes ago.
        oldest = json.loads(broker.lindex(queue, -1) or b"{}")
        assert PUBLISHED_AT_HEADER in oldest["headers"]
        oldest["headers"][PUBLISHED_AT_HEADER] = time.time() - 120
        broker.lset(queue, -1, json.dumps(oldest))

        values = samples(api_client.get("/metrics", **BEARER))

    tick_store.delete(django_settings.BEAT_LAST_TICK_KEY)
    for part in ("database", "broker", "health"):
        assert values[("styleguide_scrape_part_up", (("part", part),))] == 1
    assert values[("styleguide_queue_messages", (("queue", queue),))] == 3
    assert 119 <= values[("styleguide_queue_oldest_message_age_seconds", (("queue", queue),))] < 150
    # The other queues are reported too, empty.
    for other in {django_settings.TASK_QUEUE_TRANSACTIONAL, django_settings.TASK_QUEUE_BULK}:
        assert values[("styleguide_queue_messages", (("queue", other),))] == 0

    assert values[("styleguide_outbox_runs_pending", (("state", "unpublished"),))] == 1
    assert values[("styleguide_outbox_runs_pending", (("state", "published"),))] == 1
    assert values[("styleguide_outbox_runs_pending", (("state", "started"),))] == 1
    assert 299 <= values[("styleguide_outbox_oldest_pending_age_seconds", ())] < 330
    assert 299 <= values[("styleguide_outbox_oldest_unpublished_age_seconds", ())] < 330

    batch, reminders = (("task", "emails.email_send_batch"),), (("task", "users.user_onboarding_reminders_send"),)
    assert values[("styleguide_dead_letters", batch)] == 3
    assert values[("styleguide_dead_letters_last_24h", batch)] == 2
    assert values[("styleguide_dead_letters", reminders)] == 1
    assert values[("styleguide_dead_letters_last_24h", reminders)] == 0

    assert {status: values[("styleguide_emails", (("status", status),))] for status in Email.Status.values} == {
        "READY": 0,
        "SENDING": 3,
        "SENT": 2,
        "FAILED": 1,
        "CANCELLED": 0,
    }

    assert 199 <= values[("styleguide_periodic_task_seconds_since_last_run", WATCHED)] < 230
    assert 139 <= values[("styleguide_periodic_task_overdue_seconds", WATCHED)] < 170
    assert values[("styleguide_periodic_task_grace_seconds", WATCHED)] == 60
    assert 139 <= values[("styleguide_periodic_task_overdue_seconds", GRACED)] < 170
    assert values[("styleguide_periodic_task_grace_seconds", GRACED)] == 600

    # No worker runs in this test; beat's tick was written 7 s ago.
    assert values[("styleguide_workers_answering", ())] == 0
    assert values[("styleguide_beat_up", ())] == 1
    assert 6 <= values[("styleguide_beat_last_tick_age_seconds", ())] < 30
    assert values[("styleguide_scrape_duration_seconds", ())] > 0


def test_a_scrape_while_the_broker_is_down_answers_with_what_it_knows(api_client, known_state, redis_url):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    with celery_app_on_broker(celery_app, dead), override_settings(METRICS_TIMEOUT_SECONDS=0.5):
        values = samples(api_client.get("/metrics", **BEARER))

    assert values[("styleguide_scrape_part_up", (("part", "broker"),))] == 0
    assert values[("styleguide_scrape_part_up", (("part", "database"),))] == 1
    assert not [key for key in values if key[0].startswith("styleguide_queue_")]
    assert values[("styleguide_outbox_runs_pending", (("state", "unpublished"),))] == 1
    assert values[("styleguide_emails", (("status", "SENT"),))] == 2


def test_the_exposition_is_computed_once_per_metrics_cache_seconds(api_client, known_state, settings):
    settings.METRICS_CACHE_SECONDS = 60
    first = samples(api_client.get("/metrics", **BEARER))
    EmailFactory.create_batch(4, status=Email.Status.SENT)

    cached = samples(api_client.get("/metrics", **BEARER))
    settings.METRICS_CACHE_SECONDS = 0
    fresh = samples(api_client.get("/metrics", **BEARER))

    sent = ("styleguide_emails", (("status", "SENT"),))
    assert first[sent] == cached[sent] == 2
    assert fresh[sent] == 6


# Committed rows: the refresh reads them on its own thread, through its own connection.
@pytest.mark.django_db(transaction=True)
def test_an_older_exposition_is_served_while_the_next_is_computed_in_the_background(api_client, known_state, settings):
    settings.METRICS_CACHE_SECONDS = 1
    kept = {"computed_at": time.time() - 5, "body": b'# an older answer\nstyleguide_emails{status="SENT"} 1.0\n'}
    cache.set(TEXT_FORMAT_KEY, kept, timeout=60)

    older = samples(api_client.get("/metrics", **BEARER))
    refresh = exposition._refreshes.pending
    assert refresh is not None
    refresh.result(timeout=10)
    newer = samples(api_client.get("/metrics", **BEARER))

    sent = ("styleguide_emails", (("status", "SENT"),))
    assert older == {sent: 1.0}
    assert newer[sent] == 2
    assert ("styleguide_outbox_runs_pending", (("state", "started"),)) in newer
