"""The fast path's marks of published runs, written by a thread of the process instead of in the request."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit
from styleguide_project.tasks.tests.probe_tasks import probe_echo
from testing.brokers import celery_app_on_broker
from testing.processes import wait_until
from testing.services import service_missing


@pytest.mark.django_db(transaction=True)
def test_the_request_publishes_and_a_thread_marks_the_runs(settings):
    if connection.vendor != "postgresql":
        # SQLite's in-memory test database locks whole tables between the
        # connections of two threads; the marks' thread needs a real server.
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... (SQLite's test database is in memory)")
    settings.OUTBOX_MARK_BATCH_SECONDS = 0.05

    with celery_app_on_broker(celery_app, "memory://"), CaptureQueriesContext(connection) as request_queries:
        with transaction.atomic():
            ids = task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": n} for n in range(3)])

    # The request's own connection wrote the rows and nothing after the commit.
    statements = [query["sql"].split()[0] for query in request_queries.captured_queries]
    assert "UPDATE" not in statements
    assert "INSERT" in statements
    wait_until(
        lambda: OutboxRun.objects.filter(task_id__in=ids, published_at__isnull=False).count() == 3,
        timeout=10,
        what="the three runs marked published by the thread",
    )


@pytest.mark.django_db(transaction=True)
def test_without_a_batch_time_the_request_marks_its_runs_itself(settings):
    settings.OUTBOX_MARK_BATCH_SECONDS = 0

    with celery_app_on_broker(celery_app, "memory://"), transaction.atomic():
        ids = task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": 1}])

    assert OutboxRun.objects.get(task_id=ids[0]).published_at is not None
