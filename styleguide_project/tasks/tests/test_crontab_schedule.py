"""How beat runs a synced crontab: across daylight saving changes, and after a missed run.

The schedule is the one beat builds from the synced row (`PeriodicTask.schedule`),
asked `is_due` as beat asks it, on a simulated clock.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.periodic.schedules import Crontab
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def synced_schedule(crontab: Crontab):
    periodic_tasks_sync(definitions=[definition("At half past two", crontab)])
    return PeriodicTask.objects.get(name="At half past two").schedule


def beat_runs(schedule, *, start: datetime, end: datetime, step: timedelta = timedelta(minutes=5)) -> list[datetime]:
    """The times beat would send the task, checking every `step` of real (UTC) time."""
    clock = start
    schedule.nowfun = lambda: clock
    last_run_at = start
    runs = []
    while clock < end:
        if schedule.is_due(last_run_at).is_due:
            runs.append(clock)
            last_run_at = clock
        clock += step
    return runs


def test_the_crontab_row_carries_time_zone_when_the_definition_has_none(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"

    schedule = synced_schedule(Crontab(minute="30", hour="2"))

    assert schedule.tz == AMSTERDAM


@pytest.mark.parametrize(
    ("start", "expected_utc"),
    [
        # Spring forward, 30 March 2025: 02:00 CET jumps to 03:00 CEST, so 02:30
        # does not exist that day; the run comes at the same instant 02:30 CET
        # would have been (03:30 CEST), once.
        (
            datetime(2025, 3, 28, 12, tzinfo=UTC),
            ["2025-03-29T01:30", "2025-03-30T01:30", "2025-03-31T00:30", "2025-04-01T00:30"],
        ),
        # Fall back, 26 October 2025: 03:00 CEST goes back to 02:00 CET, so
        # 02:30 happens twice; the task runs at the first one only.
        (
            datetime(2025, 10, 24, 12, tzinfo=UTC),
            ["2025-10-25T00:30", "2025-10-26T00:30", "2025-10-27T01:30", "2025-10-28T01:30"],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_daily_0230_amsterdam_crontab_runs_once_a_local_day_across_dst(settings, start, expected_utc):
    settings.TIME_ZONE = "Europe/Amsterdam"
    schedule = synced_schedule(Crontab(minute="30", hour="2"))

    runs = beat_runs(schedule, start=start, end=start + timedelta(days=4))

    assert [run.strftime("%Y-%m-%dT%H:%M") for run in runs] == expected_utc
    local_days = [run.astimezone(AMSTERDAM).date() for run in runs]
    assert len(set(local_days)) == len(local_days) == 4
    # 02:30 local on every day where 02:30 exists.
    assert {run.astimezone(AMSTERDAM).strftime("%H:%M") for run in runs} <= {"02:30", "03:30"}


def test_a_run_missed_by_more_than_the_starting_deadline_is_skipped_not_sent_late(settings):
    # Beat was down (or last_run_at is stale after a deploy): at 10:00 the 02:30
    # run of that morning is 7.5 hours late. CELERY_BEAT_CRON_STARTING_DEADLINE
    # (600 s) makes beat skip it and wait for the next one.
    schedule = synced_schedule(Crontab(minute="30", hour="2", timezone="UTC"))
    now = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    schedule.nowfun = lambda: now

    due, next_in = schedule.is_due(datetime(2025, 6, 1, 2, 30, tzinfo=UTC))

    assert settings.CELERY_BEAT_CRON_STARTING_DEADLINE == 600
    assert due is False
    assert next_in == timedelta(hours=16, minutes=30).total_seconds()


def test_a_run_missed_by_less_than_the_starting_deadline_is_still_sent():
    schedule = synced_schedule(Crontab(minute="30", hour="2", timezone="UTC"))
    now = datetime(2025, 6, 2, 2, 35, tzinfo=UTC)
    schedule.nowfun = lambda: now

    due, _ = schedule.is_due(datetime(2025, 6, 1, 2, 30, tzinfo=UTC))

    assert due is True
