"""Make django-celery-beat's tables say exactly what `config/periodic_tasks.py` declares.

The policy (the command's help and the README say the same):

- Managed tasks are the ones declared in code. Each has a `ManagedPeriodicTask`
  marker naming its definition; a task without a marker (made in the admin,
  or written by Celery itself) is never changed or deleted.
- After a sync every managed task and its schedule row are what the code
  says: the code wins over edits made in the admin, including `enabled`
  (an admin pause lasts until the next sync; pause for good in the code).
  A managed task removed from the code is deleted, and so is every schedule
  row that no task uses any more.
- Unchanged tasks are not written at all: they keep `last_run_at` and
  `total_run_count`, so a deploy neither replays nor delays a run. A changed
  task keeps them too; only a task that the sync disables loses `last_run_at`,
  as it does when it is disabled in the admin.
- Schedule rows are found by their values and shared (as django-celery-beat
  does itself); they are never edited in place, since another task may use
  the same row.
- A one-off (clocked) task whose time has passed is not enabled again: beat
  disables it after its run, and enabling it would run it at every deploy.
- Everything is validated before anything is read or written; one
  transaction, serialised against a concurrent sync, writes in bulk and then
  bumps beat's change marker once (bulk writes do not send the signals that
  would bump it), so a running beat reloads the schedule without a restart.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.models import ManagedPeriodicTask
from styleguide_project.tasks.schedules import Clocked, Crontab, Interval, PeriodicTaskDefinition, Solar

SCHEDULE_MODELS: dict[str, type[models.Model]] = {
    "crontab": CrontabSchedule,
    "interval": IntervalSchedule,
    "solar": SolarSchedule,
    "clocked": ClockedSchedule,
}
# The columns that make two schedule rows of a kind the same schedule.
SCHEDULE_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "crontab": ("minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"),
    "interval": ("every", "period"),
    "solar": ("event", "latitude", "longitude"),
    "clocked": ("clocked_time",),
}
# Every PeriodicTask column the code decides. `last_run_at`, `total_run_count`
# and `date_changed` belong to beat and are left alone.
TASK_FIELDS = (
    "name",
    "task",
    "args",
    "kwargs",
    "queue",
    "exchange",
    "routing_key",
    "headers",
    "priority",
    "expires",
    "expire_seconds",
    "one_off",
    "start_time",
    "enabled",
    "description",
)
# Shown in the admin on every managed task.
MANAGED_NOTE = (
    "Declared in config/periodic_tasks.py and kept in sync by `manage.py setup_periodic_tasks`: "
    "changes made here are undone at the next deploy."
)
# The key of the PostgreSQL advisory lock that serialises syncs; any constant
# bigint that nothing else in the database uses.
SYNC_LOCK_KEY = 6_041_738_219_540_118
BATCH_SIZE = 1000

ScheduleKey = tuple[Any, ...]
Action = Literal["create", "update", "delete", "unchanged"]


class PeriodicTaskDefinitionError(ApplicationError):
    """Some definitions are invalid; `extra["errors"]` has one line per problem, each naming its entry."""


@dataclass(frozen=True)
class PeriodicTaskChange:
    action: Action
    name: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduleRowRemoval:
    kind: str
    id: int
    description: str


@dataclass(frozen=True)
class PeriodicTaskSyncPlan:
    """What a sync does (or did): one change per declared or deleted task, and the schedule rows removed."""

    changes: tuple[PeriodicTaskChange, ...]
    schedule_removals: tuple[ScheduleRowRemoval, ...]

    @property
    def in_sync(self) -> bool:
        return not self.schedule_removals and all(change.action == "unchanged" for change in self.changes)

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action == action)


@dataclass(frozen=True)
class _Desired:
    name: str
    kind: str
    key: ScheduleKey
    schedule_values: dict[str, Any]
    task_values: dict[str, Any]
    schedule_description: str


@dataclass
class _State:
    managed: dict[str, PeriodicTask]
    marker_ids: dict[str, int]
    unmanaged_names: set[str]
    unmanaged_refs: dict[str, set[int]]
    rows: dict[str, dict[int, ScheduleKey]]


@dataclass
class _Work:
    new_rows: dict[str, dict[ScheduleKey, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in SCHEDULE_MODELS}
    )
    # (desired, schedule reference) for tasks to create.
    creates: list[tuple[_Desired, "_Ref"]] = field(default_factory=list)
    # (task, changed fields, desired, schedule reference or None when the schedule is unchanged).
    updates: list[tuple[PeriodicTask, list[str], _Desired, "_Ref | None"]] = field(default_factory=list)
    delete_task_ids: list[int] = field(default_factory=list)
    delete_marker_ids: list[int] = field(default_factory=list)
    orphans: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Ref:
    """A schedule row: an existing one (`id`) or one to create for `key`."""

    kind: str
    key: ScheduleKey
    id: int | None


def periodic_tasks_validate(*, definitions: Sequence[PeriodicTaskDefinition]) -> None:
    """Raise `PeriodicTaskDefinitionError` listing every problem in `definitions`; reads no database."""
    _desired_state(definitions=definitions)


@transaction.atomic
def periodic_tasks_sync(
    *, definitions: Sequence[PeriodicTaskDefinition], dry_run: bool = False
) -> PeriodicTaskSyncPlan:
    """Make the database match `definitions` (see the module's docstring); with `dry_run`, only plan.

    Raises `PeriodicTaskDefinitionError`, having written nothing, when a
    definition is invalid or its name is taken by a task the sync does not manage.
    """
    desired = _desired_state(definitions=definitions)
    _lock_against_concurrent_syncs()
    state = _current_state()
    plan, work = _plan(desired=desired, state=state, now=timezone.now())
    if not dry_run and not plan.in_sync:
        _apply(work=work, now=timezone.now())
        # Bulk writes send no signals, so beat's change marker is bumped here,
        # once, after everything else.
        PeriodicTasks.update_changed()
    return plan


def _desired_state(*, definitions: Sequence[PeriodicTaskDefinition]) -> list[_Desired]:
    errors: list[str] = []
    desired: list[_Desired] = []
    seen: dict[str, int] = {}
    for number, definition in enumerate(definitions, start=1):
        label = f'entry {number} "{getattr(definition, "name", "?")}"'
        if not isinstance(definition, PeriodicTaskDefinition):
            errors.append(f"{label}: is a {type(definition).__name__}, not a PeriodicTaskDefinition")
            continue
        entry_errors = definition.task_errors()
        if definition.name in seen:
            entry_errors.append(f"duplicate name: entry {seen[definition.name]} has the same name")
        else:
            seen[definition.name] = number
        if not isinstance(definition.schedule, Crontab | Interval | Solar | Clocked):
            entry_errors.append(f"schedule must be a Crontab, Interval, Solar or Clocked, not {definition.schedule!r}")
        else:
            try:
                schedule_values = definition.schedule.row_values(default_timezone=settings.TIME_ZONE)
            except ValueError as exc:
                entry_errors.append(str(exc))
        errors.extend(f"{label}: {error}" for error in entry_errors)
        if entry_errors:
            continue

        kind = definition.schedule.kind
        key = tuple(schedule_values[name] for name in SCHEDULE_KEY_FIELDS[kind])
        description = definition.description.strip()
        desired.append(
            _Desired(
                name=definition.name,
                kind=kind,
                key=key,
                schedule_values=schedule_values,
                schedule_description=_describe_key(kind, key),
                task_values={
                    "name": definition.name,
                    "task": definition.task.name,
                    "args": "[]",
                    "kwargs": definition.kwargs_json(),
                    "queue": definition.queue,
                    "exchange": None,
                    "routing_key": None,
                    "headers": "{}",
                    "priority": None,
                    "expires": None,
                    "expire_seconds": definition.expire_seconds,
                    # django-celery-beat requires clocked tasks to be one-off.
                    "one_off": kind == "clocked",
                    "start_time": None,
                    "enabled": definition.enabled,
                    "description": f"{description}\n\n{MANAGED_NOTE}" if description else MANAGED_NOTE,
                },
            )
        )
    if errors:
        raise PeriodicTaskDefinitionError(
            "Invalid periodic task definitions; nothing was changed:\n  " + "\n  ".join(errors),
            extra={"errors": errors},
        )
    return desired


def _lock_against_concurrent_syncs() -> None:
    # Two deploys running the sync at once would both plan from the same
    # state and then collide. The lock is released with the transaction.
    # SQLite needs none: it lets one writer at a time into the database.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK_KEY])


def _current_state() -> _State:
    managed: dict[str, PeriodicTask] = {}
    marker_ids: dict[str, int] = {}
    for marker in ManagedPeriodicTask.objects.select_related("periodic_task"):
        managed[marker.name] = marker.periodic_task
        marker_ids[marker.name] = marker.id

    unmanaged_names: set[str] = set()
    unmanaged_refs: dict[str, set[int]] = {kind: set() for kind in SCHEDULE_MODELS}
    unmanaged = PeriodicTask.objects.filter(managed_by_code__isnull=True).values_list(
        "name", *(f"{kind}_id" for kind in SCHEDULE_MODELS)
    )
    for name, *refs in unmanaged:
        unmanaged_names.add(name)
        for kind, ref in zip(SCHEDULE_MODELS, refs, strict=True):
            if ref is not None:
                unmanaged_refs[kind].add(ref)

    rows: dict[str, dict[int, ScheduleKey]] = {}
    for kind, model in SCHEDULE_MODELS.items():
        rows[kind] = {
            row_id: _normalised_key(kind, key)
            for row_id, *key in model._default_manager.order_by("id").values_list("id", *SCHEDULE_KEY_FIELDS[kind])
        }
    return _State(
        managed=managed,
        marker_ids=marker_ids,
        unmanaged_names=unmanaged_names,
        unmanaged_refs=unmanaged_refs,
        rows=rows,
    )


def _normalised_key(kind: str, key: list[Any]) -> ScheduleKey:
    if kind == "crontab":
        # The timezone column reads back as a ZoneInfo; definitions hold names.
        *fields, zone = key
        return (*fields, str(zone))
    return tuple(key)


def _plan(*, desired: list[_Desired], state: _State, now: datetime) -> tuple[PeriodicTaskSyncPlan, _Work]:
    work = _Work()
    changes: list[PeriodicTaskChange] = []
    conflicts: list[str] = []
    # The lowest id of each distinct schedule, to share rows deterministically.
    existing: dict[str, dict[ScheduleKey, int]] = {kind: {} for kind in SCHEDULE_MODELS}
    for kind, rows in state.rows.items():
        for row_id, key in rows.items():
            existing[kind].setdefault(key, row_id)
    referenced = {kind: set(refs) for kind, refs in state.unmanaged_refs.items()}

    def ref_for(item: _Desired) -> _Ref:
        row_id = existing[item.kind].get(item.key)
        if row_id is None:
            work.new_rows[item.kind].setdefault(item.key, item.schedule_values)
        else:
            referenced[item.kind].add(row_id)
        return _Ref(kind=item.kind, key=item.key, id=row_id)

    declared = {item.name for item in desired}
    for name, task in state.managed.items():
        if name not in declared:
            work.delete_task_ids.append(task.id)
            work.delete_marker_ids.append(state.marker_ids[name])
            changes.append(PeriodicTaskChange("delete", name, (f"task {task.task}",)))

    for item in desired:
        task = state.managed.get(item.name)
        # The name is PeriodicTask's unique key: a task the sync does not manage
        # may hold it (also when a managed task renamed in the admin is renamed back).
        if item.name in state.unmanaged_names:
            conflicts.append(
                f'"{item.name}": a periodic task of that name exists and is not managed by code '
                "(made in the admin?); rename or delete it there, or rename the definition"
            )
            continue
        if task is None:
            values = dict(item.task_values)
            if item.kind == "clocked" and item.schedule_values["clocked_time"] <= now:
                values["enabled"] = False
            work.creates.append((replace(item, task_values=values), ref_for(item)))
            state_note = "" if values["enabled"] else ", disabled"
            changes.append(
                PeriodicTaskChange(
                    "create", item.name, (f"task {values['task']}, {item.schedule_description}{state_note}",)
                )
            )
            continue

        current = _schedule_of(task, state)
        schedule_kept = current == (item.kind, item.key) and _schedule_ids_set(task) == 1
        ref: _Ref | None = None
        details: list[str] = []
        if schedule_kept:
            referenced[item.kind].add(getattr(task, f"{item.kind}_id"))
        else:
            ref = ref_for(item)
            details.append(f"schedule: {_describe_current(current)} → {item.schedule_description}")

        values = dict(item.task_values)
        if item.kind == "clocked" and values["enabled"] and item.schedule_values["clocked_time"] <= now:
            # Beat disabled it after its run (or it was never due under this
            # schedule): enabling it again would run a one-off once more.
            values["enabled"] = schedule_kept and task.enabled
        changed = [
            name for name in TASK_FIELDS if _comparable(name, getattr(task, name)) != _comparable(name, values[name])
        ]
        details.extend(_describe_field_change(name, getattr(task, name), values[name]) for name in changed)
        if ref is None and not changed:
            changes.append(PeriodicTaskChange("unchanged", item.name))
            continue
        work.updates.append((task, changed, replace(item, task_values=values), ref))
        changes.append(PeriodicTaskChange("update", item.name, tuple(details)))

    if conflicts:
        raise PeriodicTaskDefinitionError(
            "Invalid periodic task definitions; nothing was changed:\n  " + "\n  ".join(conflicts),
            extra={"errors": conflicts},
        )

    removals: list[ScheduleRowRemoval] = []
    for kind, rows in state.rows.items():
        orphans = sorted(set(rows) - referenced[kind])
        work.orphans[kind] = orphans
        removals.extend(
            ScheduleRowRemoval(kind=kind, id=row_id, description=_describe_key(kind, rows[row_id]))
            for row_id in orphans
        )
    return PeriodicTaskSyncPlan(changes=tuple(changes), schedule_removals=tuple(removals)), work


def _schedule_ids_set(task: PeriodicTask) -> int:
    return sum(1 for kind in SCHEDULE_MODELS if getattr(task, f"{kind}_id") is not None)


def _schedule_of(task: PeriodicTask, state: _State) -> tuple[str, ScheduleKey] | None:
    for kind in SCHEDULE_MODELS:
        row_id = getattr(task, f"{kind}_id")
        if row_id is not None:
            return kind, state.rows[kind][row_id]
    return None


def _comparable(name: str, value: Any) -> Any:
    # JSON columns are compared by meaning, so reformatting in the admin is no change.
    if name in ("args", "kwargs", "headers"):
        empty = "[]" if name == "args" else "{}"
        try:
            return json.dumps(json.loads(value or empty), sort_keys=True)
        except (TypeError, ValueError):
            return value
    # PeriodicTask.save() stores empty strings in these as None.
    if name in ("queue", "exchange", "routing_key"):
        return value or None
    return value


def _describe_field_change(name: str, old: Any, new: Any) -> str:
    if name == "description":
        return "description"
    return f"{name}: {old!r} → {new!r}"


def _describe_current(current: tuple[str, ScheduleKey] | None) -> str:
    return "none" if current is None else _describe_key(*current)


def _describe_key(kind: str, key: ScheduleKey) -> str:
    if kind == "crontab":
        *fields, zone = key
        return f"crontab {' '.join(fields)} ({zone})"
    if kind == "interval":
        every, period = key
        return f"every {every} {period[:-1] if every == 1 else period}"
    if kind == "solar":
        event, latitude, longitude = key
        return f"solar {event} at ({latitude}, {longitude})"
    (clocked_time,) = key
    return f"clocked at {clocked_time.isoformat()}"


def _apply(*, work: _Work, now: datetime) -> None:
    # New schedule rows first: the tasks below point at them.
    new_ids: dict[tuple[str, ScheduleKey], int] = {}
    for kind, pending in work.new_rows.items():
        model = SCHEDULE_MODELS[kind]
        rows = [model(**values) for values in pending.values()]
        model._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
        for key, row in zip(pending, rows, strict=True):
            if row.pk is None:
                raise RuntimeError(f"The database did not return the id of a new {kind} row.")
            new_ids[(kind, key)] = row.pk

    def schedule_ids(ref: _Ref) -> dict[str, int | None]:
        row_id = ref.id if ref.id is not None else new_ids[(ref.kind, ref.key)]
        return {f"{kind}_id": row_id if kind == ref.kind else None for kind in SCHEDULE_MODELS}

    # Deletes before updates and creates free the names they held. The
    # `_raw_delete`s skip the per-row signals (each would bump beat's marker)
    # and Django's collector; markers go first, as they point at the tasks.
    for ids in _chunks(work.delete_marker_ids):
        ManagedPeriodicTask.objects.filter(id__in=ids)._raw_delete(ManagedPeriodicTask.objects.db)
    for ids in _chunks(work.delete_task_ids):
        PeriodicTask.objects.filter(id__in=ids)._raw_delete(PeriodicTask.objects.db)

    # Only the columns that changed are written, so a column that beat saves
    # meanwhile (last_run_at) is not overwritten with what was read. Tasks
    # getting the same values (say, moved to the same schedule row) share one
    # UPDATE; the rest go through bulk_update, grouped by the columns written.
    same_values: dict[tuple[tuple[str, Any], ...], list[PeriodicTask]] = {}
    for task, changed, item, ref in work.updates:
        values = {name: item.task_values[name] for name in changed}
        if ref is not None:
            values.update(schedule_ids(ref))
        if "enabled" in changed and not values["enabled"]:
            # As PeriodicTask.save() does: a disabled task forgets its last
            # run, so enabling it later starts its schedule afresh.
            values["last_run_at"] = None
        # Neither update() nor bulk_update() applies auto_now.
        values["date_changed"] = now
        for column, value in values.items():
            setattr(task, column, value)
        same_values.setdefault(tuple(values.items()), []).append(task)
    singles: dict[tuple[str, ...], list[PeriodicTask]] = {}
    for values_key, tasks in same_values.items():
        if len(tasks) == 1:
            singles.setdefault(tuple(column for column, _ in values_key), []).extend(tasks)
            continue
        for ids in _chunks([task.id for task in tasks]):
            PeriodicTask.objects.filter(id__in=ids).update(**dict(values_key))
    for columns, tasks in singles.items():
        PeriodicTask.objects.bulk_update(tasks, list(columns), batch_size=BATCH_SIZE)

    created = [PeriodicTask(**item.task_values, **schedule_ids(ref)) for item, ref in work.creates]
    PeriodicTask.objects.bulk_create(created, batch_size=BATCH_SIZE)
    markers = []
    for task in created:
        if task.pk is None:
            raise RuntimeError("The database did not return the id of a new periodic task.")
        markers.append(ManagedPeriodicTask(periodic_task_id=task.pk, name=task.name))
    ManagedPeriodicTask.objects.bulk_create(markers, batch_size=BATCH_SIZE)

    for kind, orphan_ids in work.orphans.items():
        model = SCHEDULE_MODELS[kind]
        # Still unused at the time of the delete, whatever the admin did since the read.
        in_use = PeriodicTask.objects.filter(**{f"{kind}__isnull": False}).values(f"{kind}_id")
        for ids in _chunks(orphan_ids):
            model._default_manager.filter(id__in=ids).exclude(id__in=in_use)._raw_delete(model._default_manager.db)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]
