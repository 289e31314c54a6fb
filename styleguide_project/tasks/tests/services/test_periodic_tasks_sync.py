import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)

from config.periodic_tasks import PERIODIC_TASKS
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.tasks.app.tasks import task_result_delete_expired as task_result_delete_expired_task
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask
from styleguide_project.tasks.periodic.schedules import Clocked, Crontab, Interval, Solar
from styleguide_project.tasks.periodic.sync import (
    MANAGED_NOTE,
    PeriodicTaskDefinitionError,
    periodic_tasks_sync,
    periodic_tasks_validate,
)
from styleguide_project.tasks.tests.periodic_helpers import definition, every, snapshot, write_statements

pytestmark = pytest.mark.django_db

IN_2030 = datetime(2030, 1, 1, 9, tzinfo=ZoneInfo("Europe/Amsterdam"))


def every_kind() -> list:
    return [
        definition("Crontab", Crontab(minute="0", hour="7", day_of_week="1-5", timezone="Europe/Amsterdam")),
        definition("Interval", Interval(every=timedelta(minutes=10)), kwargs={"day": "2025-01-01"}, queue="bulk"),
        definition("Solar", Solar(event="sunrise", latitude=52.370216, longitude=4.895168), enabled=False),
        definition("Clocked", Clocked(at=IN_2030), expire_seconds=3600, description="Once, in 2030."),
    ]


def test_the_shipped_definitions_are_valid():
    periodic_tasks_validate(definitions=PERIODIC_TASKS)


def test_first_sync_creates_every_kind_of_task_with_its_schedule_row():
    plan = periodic_tasks_sync(definitions=every_kind())

    assert [(change.action, change.name) for change in plan.changes] == [
        ("create", "Crontab"),
        ("create", "Interval"),
        ("create", "Solar"),
        ("create", "Clocked"),
    ]
    crontab = PeriodicTask.objects.get(name="Crontab")
    assert crontab.task == "emails.email_failed_summary_send"
    assert str(crontab.crontab) == "0 7 * * 1-5 (m/h/dM/MY/d) Europe/Amsterdam"
    assert (crontab.interval, crontab.solar, crontab.clocked) == (None, None, None)
    assert (crontab.enabled, crontab.one_off, crontab.last_run_at, crontab.total_run_count) == (True, False, None, 0)
    assert crontab.description == MANAGED_NOTE

    interval = PeriodicTask.objects.get(name="Interval")
    assert (interval.interval.every, interval.interval.period) == (10, "minutes")
    assert json.loads(interval.kwargs) == {"day": "2025-01-01"}
    assert interval.queue == "bulk"

    solar = PeriodicTask.objects.get(name="Solar")
    assert (solar.solar.event, solar.solar.latitude, solar.solar.longitude) == (
        "sunrise",
        Decimal("52.370216"),
        Decimal("4.895168"),
    )
    assert solar.enabled is False

    clocked = PeriodicTask.objects.get(name="Clocked")
    assert clocked.clocked.clocked_time == IN_2030
    assert (clocked.one_off, clocked.enabled, clocked.expire_seconds) == (True, True, 3600)
    assert clocked.description == f"Once, in 2030.\n\n{MANAGED_NOTE}"

    assert set(ManagedPeriodicTask.objects.values_list("name", "periodic_task__name")) == {
        (name, name) for name in ("Crontab", "Interval", "Solar", "Clocked")
    }


def test_the_schedules_beat_builds_from_the_rows_are_the_declared_ones():
    periodic_tasks_sync(definitions=every_kind())

    schedules = {task.name: task.schedule for task in PeriodicTask.objects.all()}

    assert schedules["Crontab"].hour == {7}
    assert schedules["Crontab"].day_of_week == {1, 2, 3, 4, 5}
    assert schedules["Interval"].run_every == timedelta(minutes=10)
    assert (schedules["Solar"].event, schedules["Solar"].lat) == ("sunrise", Decimal("52.370216"))
    assert schedules["Clocked"].clocked_time == IN_2030


def test_a_second_run_with_the_same_code_writes_nothing():
    periodic_tasks_sync(definitions=every_kind())

    with CaptureQueriesContext(connection) as queries:
        plan = periodic_tasks_sync(definitions=every_kind())

    assert write_statements(queries.captured_queries) == []
    assert plan.in_sync
    assert {change.action for change in plan.changes} == {"unchanged"}
    # Reads only, a handful whatever the number of tasks.
    assert len(queries.captured_queries) <= 10


def test_unchanged_and_changed_tasks_keep_their_run_history():
    periodic_tasks_sync(definitions=[definition("Kept", every(60)), definition("Changed", every(60))])
    last_run = timezone.now() - timedelta(seconds=30)
    # What beat writes after sending a task.
    PeriodicTask.objects.update(last_run_at=last_run, total_run_count=41)
    before = snapshot()["PeriodicTask"]

    plan = periodic_tasks_sync(definitions=[definition("Kept", every(60)), definition("Changed", every(120))])

    assert [(change.action, change.name) for change in plan.changes] == [("unchanged", "Kept"), ("update", "Changed")]
    kept = PeriodicTask.objects.get(name="Kept")
    assert [row for row in before if row["name"] == "Kept"] == list(PeriodicTask.objects.filter(id=kept.id).values())
    changed = PeriodicTask.objects.get(name="Changed")
    assert (changed.last_run_at, changed.total_run_count) == (last_run, 41)
    assert (changed.interval.every, changed.interval.period) == (2, "minutes")


def test_a_changed_definition_updates_its_task_and_removes_the_schedule_row_left_unused():
    periodic_tasks_sync(definitions=[definition("Report", Crontab(minute="0", hour="7", timezone="UTC"))])
    old_row = CrontabSchedule.objects.get()

    plan = periodic_tasks_sync(
        definitions=[definition("Report", Crontab(minute="15", hour="6", timezone="UTC"), kwargs={"day": "2025-02-03"})]
    )

    [change] = plan.changes
    assert change.action == "update"
    assert change.details == (
        "schedule: crontab 0 7 * * * (UTC) → crontab 15 6 * * * (UTC)",
        "kwargs: '{}' → '{\"day\": \"2025-02-03\"}'",
    )
    assert [(removal.kind, removal.id) for removal in plan.schedule_removals] == [("crontab", old_row.id)]
    task = PeriodicTask.objects.get()
    assert (task.crontab.minute, task.crontab.hour) == ("15", "6")
    assert json.loads(task.kwargs) == {"day": "2025-02-03"}
    assert list(CrontabSchedule.objects.values_list("id", flat=True)) == [task.crontab_id]


def test_many_tasks_changed_alike_and_one_changed_alone_are_all_written_keeping_their_runs():
    names = [f"Report {number}" for number in range(5)]
    periodic_tasks_sync(definitions=[definition(name, every(60)) for name in names])
    PeriodicTask.objects.update(last_run_at=timezone.now(), total_run_count=4)
    before = {task.name: task.last_run_at for task in PeriodicTask.objects.all()}

    # Four move to the same new schedule (one statement); one gets kwargs of its own.
    plan = periodic_tasks_sync(
        definitions=[
            *(definition(name, every(90)) for name in names[:4]),
            definition(names[4], every(60), kwargs={"day": "2025-05-05"}),
        ]
    )

    assert plan.count("update") == 5
    tasks = {task.name: task for task in PeriodicTask.objects.select_related("interval")}
    assert {tasks[name].schedule.run_every for name in names[:4]} == {timedelta(seconds=90)}
    assert tasks[names[4]].schedule.run_every == timedelta(seconds=60)
    assert json.loads(tasks[names[4]].kwargs) == {"day": "2025-05-05"}
    assert {name: task.last_run_at for name, task in tasks.items()} == before
    assert {task.total_run_count for task in tasks.values()} == {4}
    assert periodic_tasks_sync(
        definitions=[
            *(definition(name, every(90)) for name in names[:4]),
            definition(names[4], every(60), kwargs={"day": "2025-05-05"}),
        ]
    ).in_sync


def test_a_task_can_move_to_another_kind_of_schedule():
    periodic_tasks_sync(definitions=[definition("Moves", every(60))])

    periodic_tasks_sync(definitions=[definition("Moves", Solar(event="sunset", latitude=0, longitude=0))])

    task = PeriodicTask.objects.get()
    assert (task.interval_id, task.crontab_id, task.clocked_id) == (None, None, None)
    assert task.solar.event == "sunset"
    assert not IntervalSchedule.objects.exists()


def test_removed_definitions_are_deleted_with_the_schedule_rows_no_task_uses():
    periodic_tasks_sync(definitions=every_kind())

    plan = periodic_tasks_sync(definitions=every_kind()[:1])

    assert [(change.action, change.name) for change in plan.changes] == [
        ("delete", "Interval"),
        ("delete", "Solar"),
        ("delete", "Clocked"),
        ("unchanged", "Crontab"),
    ]
    assert list(PeriodicTask.objects.values_list("name", flat=True)) == ["Crontab"]
    assert list(ManagedPeriodicTask.objects.values_list("name", flat=True)) == ["Crontab"]
    assert CrontabSchedule.objects.count() == 1
    assert not IntervalSchedule.objects.exists()
    assert not SolarSchedule.objects.exists()
    assert not ClockedSchedule.objects.exists()


def test_tasks_made_in_the_admin_and_their_schedules_are_left_alone():
    admin_crontab = CrontabSchedule.objects.create(minute="0", hour="7", timezone="UTC")
    # An admin task sharing its schedule values with a managed task, and one on its own interval.
    shared = PeriodicTask.objects.create(name="Admin: same time", task="emails.email_send", crontab=admin_crontab)
    own_interval = IntervalSchedule.objects.create(every=5, period="minutes")
    alone = PeriodicTask.objects.create(name="Admin: alone", task="emails.email_send", interval=own_interval)
    PeriodicTask.objects.filter(id__in=[shared.id, alone.id]).update(last_run_at=timezone.now(), total_run_count=3)
    admin_rows = list(PeriodicTask.objects.order_by("id").values())

    periodic_tasks_sync(definitions=[definition("Code", Crontab(minute="0", hour="7", timezone="UTC"))])
    periodic_tasks_sync(definitions=[definition("Code", Crontab(minute="45", hour="7", timezone="UTC"))])
    plan = periodic_tasks_sync(definitions=[])

    assert [(change.action, change.name) for change in plan.changes] == [("delete", "Code")]
    assert list(PeriodicTask.objects.order_by("id").values()) == admin_rows
    assert set(CrontabSchedule.objects.values_list("id", flat=True)) == {admin_crontab.id}
    assert set(IntervalSchedule.objects.values_list("id", flat=True)) == {own_interval.id}


def test_celerys_own_backend_cleanup_entry_is_left_alone():
    # As the plain DatabaseScheduler writes it at start.
    cleanup_crontab = CrontabSchedule.objects.create(minute="0", hour="4", timezone="UTC")
    PeriodicTask.objects.create(name="celery.backend_cleanup", task="celery.backend_cleanup", crontab=cleanup_crontab)

    periodic_tasks_sync(definitions=PERIODIC_TASKS)
    periodic_tasks_sync(definitions=[])

    assert PeriodicTask.objects.get().name == "celery.backend_cleanup"
    assert CrontabSchedule.objects.get() == cleanup_crontab


def test_admin_edits_to_a_managed_task_are_undone_keeping_its_run_history():
    periodic_tasks_sync(definitions=[definition("Report", Crontab(minute="0", hour="7", timezone="UTC"))])
    task = PeriodicTask.objects.get()
    PeriodicTask.objects.filter(id=task.id).update(last_run_at=timezone.now(), total_run_count=9)
    task.refresh_from_db()
    # In the admin: renamed, paused (which clears last_run_at), moved to another time, kwargs added.
    task.name = "Report (paused)"
    task.enabled = False
    task.crontab = CrontabSchedule.objects.create(minute="30", hour="9", timezone="UTC")
    task.kwargs = '{"day": "2025-01-01"}'
    task.save()

    plan = periodic_tasks_sync(definitions=[definition("Report", Crontab(minute="0", hour="7", timezone="UTC"))])

    [change] = plan.changes
    assert change.action == "update"
    assert change.details[0] == "schedule: crontab 30 9 * * * (UTC) → crontab 0 7 * * * (UTC)"
    assert set(change.details[1:]) == {
        "name: 'Report (paused)' → 'Report'",
        "kwargs: '{\"day\": \"2025-01-01\"}' → '{}'",
        "enabled: False → True",
    }
    task.refresh_from_db()
    assert (task.name, task.enabled, task.kwargs, task.crontab.hour) == ("Report", True, "{}", "7")
    assert task.total_run_count == 9
    # The 09:30 row the admin made is used by no task any more.
    assert CrontabSchedule.objects.count() == 1


def test_a_managed_task_deleted_in_the_admin_is_created_again():
    periodic_tasks_sync(definitions=[definition("Report", every(60))])
    PeriodicTask.objects.get().delete()

    plan = periodic_tasks_sync(definitions=[definition("Report", every(60))])

    assert [(change.action, change.name) for change in plan.changes] == [("create", "Report")]
    assert ManagedPeriodicTask.objects.get().periodic_task == PeriodicTask.objects.get()
    # The interval row left behind by the admin delete is used again, not duplicated.
    assert IntervalSchedule.objects.count() == 1


def test_reformatted_json_is_no_change():
    periodic_tasks_sync(definitions=[definition("Report", every(60), kwargs={"day": "2025-01-01"})])
    PeriodicTask.objects.update(kwargs='{ "day":"2025-01-01" }', headers="", queue="")

    plan = periodic_tasks_sync(definitions=[definition("Report", every(60), kwargs={"day": "2025-01-01"})])

    assert plan.in_sync


def test_disabling_a_task_in_code_clears_its_last_run_as_the_admin_would():
    periodic_tasks_sync(definitions=[definition("Report", every(60))])
    PeriodicTask.objects.update(last_run_at=timezone.now(), total_run_count=2)

    periodic_tasks_sync(definitions=[definition("Report", every(60), enabled=False)])

    task = PeriodicTask.objects.get()
    assert (task.enabled, task.last_run_at, task.total_run_count) == (False, None, 2)


class TestOneOffTasks:
    def test_a_clocked_time_already_past_is_created_disabled(self):
        plan = periodic_tasks_sync(definitions=[definition("Missed", Clocked(at=datetime(2020, 1, 1, tzinfo=UTC)))])

        assert plan.changes[0].details[0].endswith(", disabled")
        assert PeriodicTask.objects.get().enabled is False

    def test_a_one_off_that_beat_ran_is_not_enabled_again_by_the_next_deploy(self):
        at = timezone.now() + timedelta(minutes=5)
        periodic_tasks_sync(definitions=[definition("Once", Clocked(at=at))])
        assert PeriodicTask.objects.get().enabled is True
        # Beat runs it at `at`, then disables it and resets its run count.
        PeriodicTask.objects.update(enabled=False, total_run_count=0, last_run_at=None)
        ClockedSchedule.objects.update(clocked_time=timezone.now() - timedelta(seconds=1))
        ran_at = ClockedSchedule.objects.get().clocked_time

        plan = periodic_tasks_sync(definitions=[definition("Once", Clocked(at=ran_at))])

        assert plan.in_sync
        assert PeriodicTask.objects.get().enabled is False

    def test_a_one_off_moved_to_a_new_time_is_enabled_again(self):
        periodic_tasks_sync(definitions=[definition("Once", Clocked(at=datetime(2020, 1, 1, tzinfo=UTC)))])

        periodic_tasks_sync(definitions=[definition("Once", Clocked(at=IN_2030))])

        task = PeriodicTask.objects.get()
        assert (task.enabled, task.clocked.clocked_time) == (True, IN_2030)


def test_dry_run_returns_the_plan_and_writes_nothing():
    periodic_tasks_sync(definitions=every_kind())
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        plan = periodic_tasks_sync(definitions=[definition("New", every(5)), *every_kind()[1:]], dry_run=True)

    assert write_statements(queries.captured_queries) == []
    assert snapshot() == before
    assert [(change.action, change.name) for change in plan.changes] == [
        ("delete", "Crontab"),
        ("create", "New"),
        ("unchanged", "Interval"),
        ("unchanged", "Solar"),
        ("unchanged", "Clocked"),
    ]
    assert [removal.kind for removal in plan.schedule_removals] == ["crontab"]


class TestChangeMarker:
    """Beat reloads its schedule when PeriodicTasks.last_update moves; bulk writes send no signal that would move it."""

    @staticmethod
    def marker_writes(queries) -> list[str]:
        return [sql for sql in write_statements(queries) if PeriodicTasks._meta.db_table in sql]

    def test_a_sync_that_changes_anything_bumps_it_exactly_once(self):
        periodic_tasks_sync(definitions=every_kind())
        before = PeriodicTasks.last_change()

        with CaptureQueriesContext(connection) as queries:
            periodic_tasks_sync(definitions=[definition("New", every(5)), *every_kind()[2:]])

        assert len(self.marker_writes(queries.captured_queries)) == 1
        assert PeriodicTasks.last_change() > before

    def test_a_sync_that_changes_nothing_leaves_it_alone(self):
        periodic_tasks_sync(definitions=every_kind())
        before = PeriodicTasks.last_change()

        with CaptureQueriesContext(connection) as queries:
            periodic_tasks_sync(definitions=every_kind())

        assert self.marker_writes(queries.captured_queries) == []
        assert PeriodicTasks.last_change() == before

    def test_the_first_sync_sets_it(self):
        periodic_tasks_sync(definitions=every_kind()[:1])

        assert PeriodicTasks.last_change() is not None


class TestInvalidDefinitions:
    """Each invalid definition is reported by name, and nothing in the database changes."""

    @pytest.fixture(autouse=True)
    def existing_state(self):
        periodic_tasks_sync(definitions=every_kind())
        before = snapshot()
        yield
        assert snapshot() == before

    def sync_rejected(self, *definitions) -> list[str]:
        with pytest.raises(PeriodicTaskDefinitionError) as raised:
            periodic_tasks_sync(definitions=[*every_kind()[:2], *definitions])
        assert raised.value.message.startswith("Invalid periodic task definitions; nothing was changed:")
        errors: list[str] = raised.value.extra["errors"]
        assert all(error in raised.value.message for error in errors)
        return errors

    @pytest.mark.parametrize(
        ("bad", "error"),
        [
            (
                definition("Bad cron", Crontab(minute="*/61")),
                "entry 3 \"Bad cron\": crontab minute '*/61' is not valid",
            ),
            (
                definition("Bad timezone", Crontab(timezone="Mars/Olympus_Mons")),
                "entry 3 \"Bad timezone\": crontab timezone 'Mars/Olympus_Mons' is not a known IANA time zone",
            ),
            (
                definition("Feb 30", Crontab(day_of_month="30", month_of_year="2")),
                "entry 3 \"Feb 30\": crontab * * 30 2 * (UTC) is not valid: Invalid crontab: day_of_month '30'",
            ),
            (
                definition("No kwarg like that", every(5), kwargs={"days": 2}),
                'entry 3 "No kwarg like that": kwargs {"days": 2} do not fit emails.email_failed_summary_send\'s '
                "signature: got an unexpected keyword argument 'days'",
            ),
            (
                definition("Missing kwarg", every(5), task=email_send_batch_task),
                'entry 3 "Missing kwarg": kwargs {} do not fit emails.email_send_batch\'s signature: '
                "missing a required argument: 'email_ids'",
            ),
            (
                definition("Not JSON", every(5), kwargs={"day": datetime(2025, 1, 1, tzinfo=UTC)}),
                'entry 3 "Not JSON": kwargs must be plain JSON: Object of type datetime is not JSON serializable',
            ),
            (
                definition("Tuple", every(5), kwargs={"day": ("2025", "01")}),
                "entry 3 \"Tuple\": kwargs {'day': ('2025', '01')} do not survive JSON unchanged",
            ),
            (definition("Zero", Interval(every=timedelta(0))), 'entry 3 "Zero": interval every must be positive'),
            (
                definition("Naive", Clocked(at=datetime(2030, 1, 1))),
                'entry 3 "Naive": clocked at must be a timezone-aware datetime',
            ),
            (
                definition("Dusk", Solar(event="dusk", latitude=0, longitude=0)),
                "entry 3 \"Dusk\": solar event 'dusk' is not one of",
            ),
            (definition("x" * 201, every(5)), f'entry 3 "{"x" * 201}": name is longer than 200 characters'),
            (definition(" Padded", every(5)), 'entry 3 " Padded": name must be a non-empty string'),
            (definition("Queue", every(5), queue=""), 'entry 3 "Queue": queue must be a non-empty string or None'),
            (definition("Expiry", every(5), expire_seconds=0), 'entry 3 "Expiry": expire_seconds must be a positive'),
            (
                definition("Schedule", schedule="0 7 * * *"),  # type: ignore[arg-type]
                "entry 3 \"Schedule\": schedule must be a Crontab, Interval, Solar or Clocked, not '0 7 * * *'",
            ),
        ],
        ids=lambda value: value if isinstance(value, str) else None,
    )
    def test_is_rejected_naming_the_entry(self, bad, error):
        [reported] = self.sync_rejected(bad)

        assert reported.startswith(error)

    def test_an_unknown_task_is_rejected(self):
        elsewhere = Celery("elsewhere", set_as_current=False)

        @elsewhere.task(name="elsewhere.not_ours", shared=False)
        def not_ours() -> None: ...

        [reported] = self.sync_rejected(definition("Unknown", every(5), task=not_ours))

        assert reported == (
            "entry 3 \"Unknown\": task 'elsewhere.not_ours' is not registered with the Celery app, so no worker runs it"
        )

    def test_a_duplicate_name_is_rejected(self):
        [reported] = self.sync_rejected(definition("Crontab", every(5)))

        assert reported == 'entry 3 "Crontab": duplicate name: entry 1 has the same name'

    def test_every_problem_is_reported_at_once(self):
        errors = self.sync_rejected(
            definition("Bad cron", Crontab(hour="25"), kwargs={"nope": 1}),
            definition("Bad timezone", Crontab(timezone="Nowhere")),
        )

        assert [re.sub(r":.*", "", error) for error in errors] == [
            'entry 3 "Bad cron"',
            'entry 3 "Bad cron"',
            'entry 4 "Bad timezone"',
        ]


def test_a_name_taken_by_a_task_made_in_the_admin_is_rejected():
    periodic_tasks_sync(definitions=every_kind())
    PeriodicTask.objects.create(
        name="Admin's", task="emails.email_send", interval=IntervalSchedule.objects.create(every=1, period="days")
    )
    before = snapshot()

    with pytest.raises(PeriodicTaskDefinitionError) as raised:
        periodic_tasks_sync(definitions=[*every_kind(), definition("Admin's", every(5))])

    assert raised.value.extra["errors"] == [
        '"Admin\'s": a periodic task of that name exists and is not managed by code (made in the admin?); '
        "rename or delete it there, or rename the definition"
    ]
    assert snapshot() == before


def test_a_managed_task_renamed_in_the_admin_is_not_renamed_back_onto_an_admin_task():
    periodic_tasks_sync(definitions=[definition("Report", every(60))])
    PeriodicTask.objects.filter(name="Report").update(name="Report (old)")
    PeriodicTask.objects.create(name="Report", task="emails.email_send", interval=IntervalSchedule.objects.get())
    before = snapshot()

    with pytest.raises(PeriodicTaskDefinitionError, match='"Report": a periodic task of that name exists'):
        periodic_tasks_sync(definitions=[definition("Report", every(60))])

    assert snapshot() == before


def test_thousands_of_definitions_are_written_in_bulk():
    definitions = [
        definition(f"Task {number}", Crontab(minute=str(number % 60), hour=str(number % 24), timezone="UTC"))
        for number in range(1500)
    ] + [
        definition(f"Interval {number}", every(number + 1), task=task_result_delete_expired_task)
        for number in range(500)
    ]

    with CaptureQueriesContext(connection) as first:
        periodic_tasks_sync(definitions=definitions)
    with CaptureQueriesContext(connection) as second:
        plan = periodic_tasks_sync(definitions=definitions)

    assert PeriodicTask.objects.count() == ManagedPeriodicTask.objects.count() == 2000
    assert CrontabSchedule.objects.count() == 120  # lcm(60, 24) distinct crontabs, shared
    # A statement per batch of rows (smaller batches on SQLite), not per row.
    assert len(first.captured_queries) < len(definitions) / 20
    assert plan.in_sync
    assert write_statements(second.captured_queries) == []
    assert len(second.captured_queries) <= 10
