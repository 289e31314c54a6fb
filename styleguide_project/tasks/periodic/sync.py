"""Make django-celery-beat's tables say exactly what `config/periodic_tasks.py` declares.

The policy (the command's help and the README say the same):

- Managed tasks are the ones declared in code. Each has a `ManagedPeriodicTask`
  marker naming its definition and holding its grace (`grace_seconds`, which
  the watchdog reads); a task without a marker (made in the admin, or
  written by Celery itself) is never changed or deleted.
- After a sync every managed task and its schedule row are what the code
  says: the code wins over edits made in the admin, including `enabled`
  (an admin pause lasts until the next sync; pause for good in the code).
  A managed task removed from the code is deleted, and so is every schedule
  row that no task uses any more.
- Unchanged tasks are not written at all: they keep `last_run_at` and
  `total_run_count`, so a deploy neither replays nor delays a run. A changed
  task keeps them too; only a task that the sync disables loses `last_run_at`,
  as it does when it is disabled in the admin. A change of grace alone
  writes only the marker.
- Schedule rows are found by their values and shared (as django-celery-beat
  does itself); they are never edited in place, since another task may use
  the same row.
- A one-off (clocked) task whose time has passed is not enabled again: beat
  disables it after its run, and enabling it would run it at every deploy.
- A sync with the same definitions as the last one that wrote, over the
  rows it left, has nothing to do and returns at once, every task
  unchanged: fingerprints of both are stored with each sync
  (`periodic_fingerprint`). Any other sync plans in full.
- Everything is validated before anything is read or written; one
  transaction, serialised against a concurrent sync, writes in bulk and then
  bumps beat's change marker once when beat's tables changed (bulk writes do
  not send the signals that would bump it), so a running beat reloads the
  schedule without a restart.

The steps have a module each: `periodic_desired` (definitions → rows, validated),
`periodic_plan` (the database's state → the plan and the work), `periodic_write`
(the work → the database).
"""

from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTasks

from styleguide_project.tasks.periodic.desired import MANAGED_NOTE, PeriodicTaskDefinitionError, desired_tasks
from styleguide_project.tasks.periodic.fingerprint import definitions_fingerprint, rows_fingerprint
from styleguide_project.tasks.periodic.models import PeriodicTaskSyncState
from styleguide_project.tasks.periodic.plan import (
    PeriodicTaskChange,
    PeriodicTaskSyncPlan,
    ScheduleRowRemoval,
    current_state,
    sync_plan,
)
from styleguide_project.tasks.periodic.schedules import PeriodicTaskDefinition
from styleguide_project.tasks.periodic.write import sync_work_apply

__all__ = [
    "MANAGED_NOTE",
    "PeriodicTaskChange",
    "PeriodicTaskDefinitionError",
    "PeriodicTaskSyncPlan",
    "ScheduleRowRemoval",
    "periodic_tasks_sync",
    "periodic_tasks_validate",
]

# The key of the PostgreSQL advisory lock that serialises syncs; any constant
# bigint that nothing else in the database uses.
SYNC_LOCK_KEY = 6_041_738_219_540_118


def periodic_tasks_validate(*, definitions: Sequence[PeriodicTaskDefinition]) -> None:
    """Raise `PeriodicTaskDefinitionError` listing every problem in `definitions`; reads no database."""
    desired_tasks(definitions=definitions)


@transaction.atomic
def periodic_tasks_sync(
    *, definitions: Sequence[PeriodicTaskDefinition], dry_run: bool = False
) -> PeriodicTaskSyncPlan:
    """Make the database match `definitions` (see the module's docstring); with `dry_run`, only plan.

    Raises `PeriodicTaskDefinitionError`, having written nothing, when a
    definition is invalid or its name is taken by a task the sync does not manage.
    """
    fingerprint = definitions_fingerprint(definitions)
    _lock_against_concurrent_syncs()
    if fingerprint is not None and _synced_already(fingerprint):
        # The same definitions over the rows the last sync left: a plan would find every task unchanged.
        return PeriodicTaskSyncPlan(
            changes=tuple(PeriodicTaskChange("unchanged", definition.name) for definition in definitions),
            schedule_removals=(),
        )
    desired = desired_tasks(definitions=definitions)
    plan, work = sync_plan(desired=desired, state=current_state(), now=timezone.now())
    if dry_run:
        return plan
    if not plan.in_sync:
        sync_work_apply(work=work, now=timezone.now())
        if work.changes_beat:
            # The writes sent no signals, so beat's change marker is bumped
            # here, once, after everything else. A change of grace alone
            # writes only markers, which beat does not read: no reload.
            PeriodicTasks.update_changed()
    if fingerprint is not None:
        PeriodicTaskSyncState.objects.update_or_create(
            pk=1,
            defaults={
                "definitions_fingerprint": fingerprint,
                "rows_fingerprint": rows_fingerprint(),
                "synced_at": timezone.now(),
            },
        )
    return plan


def _synced_already(fingerprint: str) -> bool:
    stored = PeriodicTaskSyncState.objects.filter(pk=1, definitions_fingerprint=fingerprint).values_list(
        "rows_fingerprint", flat=True
    )
    return any(rows == rows_fingerprint() for rows in stored)


def _lock_against_concurrent_syncs() -> None:
    # Two deploys running the sync at once would both plan from the same
    # state and then collide. The lock is released with the transaction.
    # SQLite needs none: it lets one writer at a time into the database.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK_KEY])
