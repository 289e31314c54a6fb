from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from styleguide_project.common.services import rows_delete_in_batches
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.runs import outbox_run_delete_finished

pytestmark = pytest.mark.django_db


def run(number: int, **fields) -> OutboxRun:
    return OutboxRun.objects.create(task_id=f"run-{number}", task_name="tests.probe_count", **fields)


def deletes(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DELETE")]


def test_deletes_every_matching_row_a_batch_at_a_time():
    old = timezone.now() - timedelta(days=10)
    for number in range(5):
        run(number, done_at=old)
    kept = run(99, done_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        deleted = rows_delete_in_batches(
            queryset=OutboxRun.objects.filter(done_at__lt=old + timedelta(days=1)), batch_size=2
        )

    assert deleted == 5
    assert list(OutboxRun.objects.all()) == [kept]
    # 2 + 2 + 1: the short batch says there is no more.
    assert len(deletes(queries)) == 3
    assert all("LIMIT 2" in sql for sql in deletes(queries))


def test_nothing_to_delete_is_one_statement():
    run(1, done_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        assert (
            rows_delete_in_batches(queryset=OutboxRun.objects.filter(done_at__lt=timezone.now() - timedelta(days=1)))
            == 0
        )

    assert len(deletes(queries)) == 1


def test_the_outbox_clean_up_deletes_both_kinds_of_finished_runs_in_bounded_statements():
    cutoff_age = timedelta(days=7)
    old = timezone.now() - timedelta(days=8)
    run(1, done_at=old)
    run(2, published_at=old)
    recent = run(3, done_at=timezone.now())
    owed = run(4, published_at=old, started_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        assert outbox_run_delete_finished(older_than=cutoff_age) == 2

    assert set(OutboxRun.objects.all()) == {recent, owed}
    # One bounded statement per kind, each through the index on (done_at, started_at): no OR across them.
    assert len(deletes(queries)) == 2
    assert all("LIMIT" in sql and " OR " not in sql for sql in deletes(queries))
