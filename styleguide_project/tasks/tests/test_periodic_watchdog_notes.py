"""The watchdog's notes of due times: a look for the due tasks reads what is due or changed, not every task."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.periodic.models import ManagedPeriodicTask
from styleguide_project.tasks.periodic.schedules import Crontab
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.periodic.watchdog import periodic_task_due_list, periodic_task_timeliness_list
from styleguide_project.tasks.tests.periodic_helpers import definition, every, write_statements

pytestmark = pytest.mark.django_db


def ran(name: str, *, seconds_ago: float) -> None:
    PeriodicTask.objects.filter(name=name).update(last_run_at=timezone.now() - timedelta(seconds=seconds_ago))


def test_a_look_notes_each_due_time_once_and_then_reads_only_what_is_due():
    periodic_tasks_sync(
        definitions=[definition(f"Daily {number}", Crontab(minute=str(number), hour="7")) for number in range(20)]
        + [definition("Every minute", every(60))]
    )
    ran("Every minute", seconds_ago=200)

    first = periodic_task_due_list()

    assert [state.name for state in first.due] == ["Every minute"]
    assert first.unchecked == 0
    assert ManagedPeriodicTask.objects.filter(due_at__isnull=True).count() == 0
    # The notes agree with the full list, which works every task out.
    full = {state.name: state for state in periodic_task_timeliness_list()}
    assert {marker.name: marker.due_at for marker in ManagedPeriodicTask.objects.all()} == {
        name: state.due_at for name, state in full.items()
    }

    with CaptureQueriesContext(connection) as queries:
        second = periodic_task_due_list()

    # The ids of what is due, then that one task with its schedule; nothing noted again, nothing written.
    assert len(queries.captured_queries) == 2
    assert write_statements(queries.captured_queries) == []
    assert [state.name for state in second.due] == ["Every minute"]
    assert second.due[0].overdue_seconds == pytest.approx(first.due[0].overdue_seconds, abs=5)


def test_a_task_that_ran_since_its_note_is_worked_out_again():
    periodic_tasks_sync(definitions=[definition("Every minute", every(60)), definition("Other", every(3600))])
    ran("Every minute", seconds_ago=200)
    [late] = periodic_task_due_list().due
    assert late.late

    # Beat sends it: its last_run_at moves, and with it the note.
    ran("Every minute", seconds_ago=1)

    assert periodic_task_due_list().due == []
    marker = ManagedPeriodicTask.objects.get(name="Every minute")
    assert marker.due_after == PeriodicTask.objects.get(name="Every minute").last_run_at
    assert marker.due_at is not None
    assert marker.due_at > timezone.now()


def test_a_look_notes_at_most_so_many_and_counts_the_rest_unchecked():
    periodic_tasks_sync(definitions=[definition(f"Task {number}", every(60)) for number in range(5)])
    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(seconds=200))

    first = periodic_task_due_list(notes_at_most=2)
    second = periodic_task_due_list(notes_at_most=2)
    third = periodic_task_due_list(notes_at_most=2)

    # Noted ones stay due (and are reported) while the rest wait for their turn.
    assert (len(first.due), first.unchecked) == (2, 3)
    assert (len(second.due), second.unchecked) == (4, 1)
    assert (len(third.due), third.unchecked) == (5, 0)
    assert all(state.late for state in third.due)


def test_a_sync_that_rewrites_a_task_makes_its_note_stale():
    periodic_tasks_sync(definitions=[definition("Task", every(60))])
    ran("Task", seconds_ago=30)
    assert periodic_task_due_list().due == []

    # Every ten minutes now: the sync writes the task, which moves date_changed (a never-run task counts from it)
    # and points it at another schedule row; its last run stays, so it is due 600 s after it.
    periodic_tasks_sync(definitions=[definition("Task", every(600))])
    ran("Task", seconds_ago=700)

    [state] = periodic_task_due_list().due
    assert state.overdue_seconds == pytest.approx(100, abs=5)
