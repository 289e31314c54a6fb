"""What a periodic task sync has to do: the database's state read once, compared with the desired rows.

The comparison yields the plan a person reads (`PeriodicTaskSyncPlan`) and the
work that `periodic_write` carries out; nothing here writes.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.periodic.desired import DesiredTask, definition_errors
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask
from styleguide_project.tasks.periodic.rows import (
    SCHEDULE_KEY_FIELDS,
    SCHEDULE_MODELS,
    TASK_FIELDS,
    ScheduleKey,
    schedule_key_describe,
)

Action = Literal["create", "update", "delete", "unchanged"]


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


@dataclass
class CurrentState:
    managed: dict[str, PeriodicTask]
    marker_ids: dict[str, int]
    unmanaged_names: set[str]
    unmanaged_refs: dict[str, set[int]]
    rows: dict[str, dict[int, ScheduleKey]]


@dataclass(frozen=True)
class ScheduleRef:
    """A schedule row: an existing one (`id`) or one to create for `key`."""

    kind: str
    key: ScheduleKey
    id: int | None


@dataclass
class TaskUpdate:
    task: PeriodicTask
    changed: list[str]
    desired: DesiredTask
    # None when the task keeps its schedule row.
    schedule: ScheduleRef | None


@dataclass
class SyncWork:
    new_rows: dict[str, dict[ScheduleKey, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in SCHEDULE_MODELS}
    )
    creates: list[tuple[DesiredTask, ScheduleRef]] = field(default_factory=list)
    updates: list[TaskUpdate] = field(default_factory=list)
    delete_task_ids: list[int] = field(default_factory=list)
    delete_marker_ids: list[int] = field(default_factory=list)
    orphans: dict[str, list[int]] = field(default_factory=dict)


def current_state() -> CurrentState:
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
    return CurrentState(
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


def sync_plan(
    *, desired: list[DesiredTask], state: CurrentState, now: datetime
) -> tuple[PeriodicTaskSyncPlan, SyncWork]:
    """The plan and the work that make `state` what `desired` says; raises on a name an unmanaged task holds."""
    work = SyncWork()
    changes: list[PeriodicTaskChange] = []
    conflicts: list[str] = []
    # The lowest id of each distinct schedule, to share rows deterministically.
    existing: dict[str, dict[ScheduleKey, int]] = {kind: {} for kind in SCHEDULE_MODELS}
    for kind, rows in state.rows.items():
        for row_id, key in rows.items():
            existing[kind].setdefault(key, row_id)
    referenced = {kind: set(refs) for kind, refs in state.unmanaged_refs.items()}

    def ref_for(item: DesiredTask) -> ScheduleRef:
        row_id = existing[item.kind].get(item.key)
        if row_id is None:
            work.new_rows[item.kind].setdefault(item.key, item.schedule_values)
        else:
            referenced[item.kind].add(row_id)
        return ScheduleRef(kind=item.kind, key=item.key, id=row_id)

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
        ref: ScheduleRef | None = None
        details: list[str] = []
        if schedule_kept:
            referenced[item.kind].add(getattr(task, f"{item.kind}_id"))
        else:
            ref = ref_for(item)
            described = "none" if current is None else schedule_key_describe(*current)
            details.append(f"schedule: {described} → {item.schedule_description}")

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
        work.updates.append(TaskUpdate(task, changed, replace(item, task_values=values), ref))
        changes.append(PeriodicTaskChange("update", item.name, tuple(details)))

    if conflicts:
        raise definition_errors(conflicts)

    removals: list[ScheduleRowRemoval] = []
    for kind, rows in state.rows.items():
        orphans = sorted(set(rows) - referenced[kind])
        work.orphans[kind] = orphans
        removals.extend(
            ScheduleRowRemoval(kind=kind, id=row_id, description=schedule_key_describe(kind, rows[row_id]))
            for row_id in orphans
        )
    return PeriodicTaskSyncPlan(changes=tuple(changes), schedule_removals=tuple(removals)), work


def _schedule_ids_set(task: PeriodicTask) -> int:
    return sum(1 for kind in SCHEDULE_MODELS if getattr(task, f"{kind}_id") is not None)


def _schedule_of(task: PeriodicTask, state: CurrentState) -> tuple[str, ScheduleKey] | None:
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
