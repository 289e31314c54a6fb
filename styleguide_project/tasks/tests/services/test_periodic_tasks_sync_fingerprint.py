"""A sync with nothing to do answers from the fingerprints of the last one, and only then."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from styleguide_project.tasks.periodic.fingerprint import definitions_fingerprint, rows_fingerprint
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask, PeriodicTaskSyncState
from styleguide_project.tasks.periodic.schedules import Crontab
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition, every, snapshot

pytestmark = pytest.mark.django_db

DEFINITIONS = [
    definition("Daily", Crontab(minute="0", hour="7", timezone="UTC")),
    definition("Every minute", every(60), grace_seconds=120),
]


def statements(queries: CaptureQueriesContext) -> int:
    """The statements a sync ran; its transaction is a savepoint inside the test's."""
    return sum(1 for query in queries.captured_queries if "SAVEPOINT" not in query["sql"])


def fast_path_queries() -> int:
    # The advisory lock (PostgreSQL), the stored fingerprints, and the rows' fingerprint: one query on
    # PostgreSQL, one per table elsewhere.
    return 3 if connection.vendor == "postgresql" else 1 + 6


def test_a_second_sync_of_the_same_definitions_answers_from_the_fingerprints():
    periodic_tasks_sync(definitions=DEFINITIONS)
    state = PeriodicTaskSyncState.objects.get()
    assert state.definitions_fingerprint == definitions_fingerprint(DEFINITIONS)
    assert state.rows_fingerprint == rows_fingerprint()
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        plan = periodic_tasks_sync(definitions=DEFINITIONS)

    assert plan.in_sync
    assert [(change.action, change.name) for change in plan.changes] == [
        ("unchanged", "Daily"),
        ("unchanged", "Every minute"),
    ]
    assert statements(queries) == fast_path_queries()
    assert not [query for query in queries.captured_queries if query["sql"].lstrip().upper().startswith("INSERT")]
    assert snapshot() == before


def test_beat_running_the_tasks_keeps_the_fast_path():
    periodic_tasks_sync(definitions=DEFINITIONS)
    PeriodicTask.objects.update(last_run_at=timezone.now(), total_run_count=3)

    with CaptureQueriesContext(connection) as queries:
        assert periodic_tasks_sync(definitions=DEFINITIONS).in_sync

    assert statements(queries) == fast_path_queries()


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda: PeriodicTask.objects.filter(name="Daily").update(enabled=False), id="paused"),
        pytest.param(lambda: ManagedPeriodicTask.objects.filter(name="Daily").update(grace_seconds=5), id="grace"),
        pytest.param(
            lambda: CrontabSchedule.objects.filter(periodictask__name="Daily").update(hour="8"), id="crontab-in-place"
        ),
        pytest.param(lambda: CrontabSchedule.objects.create(minute="5", timezone="UTC"), id="orphan-row"),
    ],
)
def test_an_edit_by_hand_makes_the_next_sync_plan_in_full_and_undo_it(edit):
    periodic_tasks_sync(definitions=DEFINITIONS)
    expected = snapshot()
    edit()

    plan = periodic_tasks_sync(definitions=DEFINITIONS)

    assert not plan.in_sync
    after = snapshot()
    # The rows are the code's again (a task rewritten gets a new date_changed; the schedule row may be new).
    for model in ("PeriodicTask", "ManagedPeriodicTask"):
        keep = ("name", "task", "enabled", "grace_seconds")
        assert [{k: row[k] for k in keep if k in row} for row in after[model]] == [
            {k: row[k] for k in keep if k in row} for row in expected[model]
        ]
    assert {(row["minute"], row["hour"]) for row in after["CrontabSchedule"]} == {("0", "7")}
    # And the sync after that is a no-op again.
    with CaptureQueriesContext(connection) as queries:
        assert periodic_tasks_sync(definitions=DEFINITIONS).in_sync
    assert statements(queries) == fast_path_queries()


def test_changed_definitions_plan_in_full():
    periodic_tasks_sync(definitions=DEFINITIONS)
    changed = [DEFINITIONS[0], replace(DEFINITIONS[1], grace_seconds=300)]

    plan = periodic_tasks_sync(definitions=changed)

    assert [change.action for change in plan.changes] == ["unchanged", "update"]
    assert PeriodicTaskSyncState.objects.get().definitions_fingerprint == definitions_fingerprint(changed)


def test_a_dry_run_stores_nothing_and_an_invalid_definition_is_still_refused():
    periodic_tasks_sync(definitions=DEFINITIONS, dry_run=True)
    assert not PeriodicTaskSyncState.objects.exists()

    periodic_tasks_sync(definitions=DEFINITIONS)
    broken = [*DEFINITIONS, definition("Broken", Crontab(minute="61"))]
    with pytest.raises(Exception, match="Broken"):
        periodic_tasks_sync(definitions=broken)
    with pytest.raises(Exception, match="not a PeriodicTaskDefinition"):
        periodic_tasks_sync(definitions=[*DEFINITIONS, {"name": "a dict"}])  # type: ignore[list-item]


def test_the_definitions_fingerprint_sees_every_field():
    base = definitions_fingerprint(DEFINITIONS)
    variants = [
        [DEFINITIONS[1], DEFINITIONS[0]],
        [replace(DEFINITIONS[0], schedule=Crontab(minute="0", hour="8", timezone="UTC")), DEFINITIONS[1]],
        [replace(DEFINITIONS[0], kwargs={"day": "2030-01-01"}), DEFINITIONS[1]],
        [replace(DEFINITIONS[0], enabled=False), DEFINITIONS[1]],
        [replace(DEFINITIONS[0], description="Why"), DEFINITIONS[1]],
        [replace(DEFINITIONS[0], expire_seconds=60), DEFINITIONS[1]],
        [DEFINITIONS[0], replace(DEFINITIONS[1], schedule=every(61))],
        [
            DEFINITIONS[0],
            replace(DEFINITIONS[1], schedule=replace(every(60), every=timedelta(seconds=60, microseconds=1))),
        ],
    ]
    fingerprints = [definitions_fingerprint(variant) for variant in variants]
    assert base not in fingerprints
    assert len(set(fingerprints)) == len(fingerprints)
    assert definitions_fingerprint(list(DEFINITIONS)) == base
