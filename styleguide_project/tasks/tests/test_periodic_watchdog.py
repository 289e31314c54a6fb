"""The watchdog of periodic tasks, on every kind of schedule, through the health report and `--check`.

The rows are written by the real sync; only `last_run_at` is set by hand,
as beat would have left it.
"""

from dataclasses import replace
from datetime import UTC, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, IntervalSchedule, PeriodicTask

from styleguide_project.api.selectors import health_schedules
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.schedules import Clocked, Crontab, Solar
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.periodic.watchdog import periodic_task_timeliness_list
from styleguide_project.tasks.tests.periodic_helpers import definition, every

pytestmark = pytest.mark.django_db

DAY = 86_400


def ran(name: str, *, seconds_ago: float) -> None:
    PeriodicTask.objects.filter(name=name).update(last_run_at=timezone.now() - timedelta(seconds=seconds_ago))


def states_by_name(definitions) -> dict:
    graces = {item.name: item.grace_seconds for item in definitions}
    return {state.name: state for state in periodic_task_timeliness_list(graces=graces)}


@pytest.fixture
def definitions():
    now = timezone.now()
    items = [
        definition("Interval late", every(60)),
        definition("Interval on time", every(60)),
        definition("Interval never ran", every(60)),
        definition("Crontab late", Crontab(minute="0", hour="7", timezone="UTC")),
        definition("Crontab late, generous grace", Crontab(minute="0", hour="7"), grace_seconds=10 * DAY),
        definition("Solar late", Solar(event="sunrise", latitude=Decimal("52.37"), longitude=Decimal("4.9"))),
        definition("Clocked passed", Clocked(at=now + timedelta(minutes=1))),
        definition("Clocked ahead", Clocked(at=now + timedelta(hours=1))),
        definition("Disabled", every(60), enabled=False),
    ]
    periodic_tasks_sync(definitions=items, dry_run=False)
    ran("Interval late", seconds_ago=200)
    ran("Interval on time", seconds_ago=30)
    ran("Crontab late", seconds_ago=3 * DAY)
    ran("Crontab late, generous grace", seconds_ago=3 * DAY)
    ran("Solar late", seconds_ago=3 * DAY)
    ran("Disabled", seconds_ago=10 * DAY)
    # Its time came an hour ago and beat never sent it (a one-off that ran is disabled by beat).
    ClockedSchedule.objects.filter(periodictask__name="Clocked passed").update(clocked_time=now - timedelta(hours=1))
    return items


def test_each_kind_of_schedule_is_overdue_against_its_own_schedule(definitions):
    states = states_by_name(definitions)

    # Disabled tasks, and tasks not declared in code, are not watched.
    PeriodicTask.objects.create(
        name="Made in the admin", task="emails.email_failed_summary_send", interval=IntervalSchedule.objects.first()
    )
    assert set(states) == {item.name for item in definitions} - {"Disabled"}
    assert "Made in the admin" not in states_by_name(definitions)

    late = states["Interval late"]
    assert late.kind == "interval"
    # Due 60 s after the run 200 s ago: 140 s late; the grace is the floor (a tenth of a minute is less).
    assert 139 <= late.overdue_seconds <= 145
    assert late.grace_seconds == 60
    assert late.late
    assert late.seconds_since_last_run(now=timezone.now()) == pytest.approx(200, abs=5)

    assert states["Interval on time"].overdue_seconds == 0
    assert not states["Interval on time"].late
    # Never ran: counted from when the sync wrote the row, as beat does.
    assert states["Interval never ran"].last_run_at is None
    assert not states["Interval never ran"].late

    crontab = states["Crontab late"]
    # Due at 07:00 UTC on the day after the run three days ago; a daily task's grace is a tenth of a day.
    assert crontab.kind == "crontab"
    assert crontab.due_at.astimezone(UTC).hour == 7
    assert crontab.due_at.astimezone(UTC).minute == 0
    assert crontab.grace_seconds == pytest.approx(DAY / 10, abs=120)
    assert crontab.overdue_seconds > DAY
    assert crontab.late
    generous = states["Crontab late, generous grace"]
    assert generous.overdue_seconds == pytest.approx(crontab.overdue_seconds, abs=5)
    assert generous.grace_seconds == 10 * DAY
    assert not generous.late

    solar = states["Solar late"]
    assert solar.kind == "solar"
    assert solar.overdue_seconds > DAY
    assert solar.grace_seconds > 3600
    assert solar.late

    assert states["Clocked passed"].kind == "clocked"
    assert states["Clocked passed"].overdue_seconds == pytest.approx(3600, abs=10)
    assert states["Clocked passed"].late
    assert not states["Clocked ahead"].late


def test_the_health_report_names_the_late_tasks(definitions, monkeypatch, settings):
    settings.PERIODIC_TASKS = "styleguide_project.tasks.tests.test_periodic_watchdog.DECLARED"
    monkeypatch.setitem(globals(), "DECLARED", definitions)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    part = health_schedules()

    assert part == {
        "status": "late",
        "late": sorted(["Clocked passed", "Crontab late", "Interval late", "Solar late"]),
    }


def test_the_health_report_is_ok_when_every_task_is_on_time(monkeypatch):
    items = [definition("On time", every(60))]
    periodic_tasks_sync(definitions=items, dry_run=False)
    ran("On time", seconds_ago=10)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr("styleguide_project.tasks.periodic.watchdog._declared_graces", lambda: {})

    assert health_schedules() == {"status": "ok", "late": []}


def test_in_eager_mode_the_schedules_part_is_eager():
    assert health_schedules() == {"status": "eager", "late": []}


def test_check_names_the_overdue_tasks_and_exits_3(definitions):
    # The code as it would read for the clocked time the fixture moved: in sync, so only the delays count.
    passed = ClockedSchedule.objects.get(periodictask__name="Clocked passed").clocked_time
    definitions = [
        replace(item, schedule=Clocked(at=passed)) if item.name == "Clocked passed" else item for item in definitions
    ]
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("setup_periodic_tasks", "--check", stdout=out, no_color=True, definitions=definitions)

    assert raised.value.returncode == 3
    lines = out.getvalue().splitlines()
    overdue = sorted(line.split('"')[1] for line in lines if line.startswith("overdue"))
    assert overdue == ["Clocked passed", "Crontab late", "Interval late", "Solar late"]
    assert "In sync with the code." in lines


def test_check_passes_when_nothing_is_overdue():
    items = [definition("On time", every(60))]
    periodic_tasks_sync(definitions=items, dry_run=False)
    out = StringIO()

    call_command("setup_periodic_tasks", "--check", stdout=out, no_color=True, definitions=items)

    assert out.getvalue().splitlines()[-1] == "In sync with the code."


def test_a_grace_that_is_not_a_positive_integer_is_refused():
    assert definition("Bad grace", every(60), grace_seconds=0).task_errors() == [
        "grace_seconds must be a positive integer or None, not 0"
    ]
