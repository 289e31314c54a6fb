import threading

import pytest
from django.db import connection, connections, transaction
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.periodic.sync import PeriodicTaskSyncPlan, periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition, every
from testing.processes import wait_until
from testing.services import service_missing

pytestmark = pytest.mark.django_db(transaction=True)


def sync_waiting_for_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        (waiting,) = cursor.fetchone()
    return waiting > 0


def test_a_concurrent_sync_waits_for_the_first_and_then_finds_nothing_to_do():
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: the advisory lock is PostgreSQL's (SQLite lets one writer in at a time)")
    definitions = [definition(f"Task {number}", every(number + 1)) for number in range(5)]
    outcome: dict[str, object] = {}

    def second_deploy() -> None:
        try:
            outcome["plan"] = periodic_tasks_sync(definitions=definitions)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            outcome["error"] = exc
        finally:
            connections.close_all()

    # The first sync has written everything but not committed yet.
    with transaction.atomic():
        periodic_tasks_sync(definitions=definitions)
        second = threading.Thread(target=second_deploy)
        second.start()
        wait_until(sync_waiting_for_the_lock, timeout=30, what="the second sync to wait for the lock")
    second.join(timeout=30)

    assert "error" not in outcome
    plan = outcome["plan"]
    assert isinstance(plan, PeriodicTaskSyncPlan)
    assert [change.action for change in plan.changes] == ["unchanged"] * 5
    assert PeriodicTask.objects.count() == 5
