"""Carrying out a periodic task sync's work in bulk, sending none of the per-row signals.

django-celery-beat connects receivers to the delete and save signals of
`PeriodicTask` and of every schedule model; each one bumps beat's change
marker (`PeriodicTasks.update_changed()`), so a delete of a thousand rows
through the ORM would bump it a thousand times, and a running beat would
reload the schedule again and again. Its documented way for bulk changes is
to write without signals and bump the marker once afterwards, which the sync
does. `bulk_create`, `bulk_update` and `QuerySet.update` send no signals; a
`QuerySet.delete` does, per row, so those tables are deleted from with plain SQL.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection, models
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.periodic.models import ManagedPeriodicTask
from styleguide_project.tasks.periodic.plan import ScheduleRef, SyncWork, TaskUpdate
from styleguide_project.tasks.periodic.rows import BATCH_SIZE, SCHEDULE_MODELS, ScheduleKey, chunks


def sync_work_apply(*, work: SyncWork, now: datetime) -> None:
    """Write `work`, in one transaction that the caller holds; does not bump beat's change marker."""
    new_ids = _schedule_rows_create(work=work)

    def schedule_ids(ref: ScheduleRef) -> dict[str, int | None]:
        row_id = ref.id if ref.id is not None else new_ids[(ref.kind, ref.key)]
        return {f"{kind}_id": row_id if kind == ref.kind else None for kind in SCHEDULE_MODELS}

    # Deletes before updates and creates free the names they held. Markers go
    # first, as they point at the tasks; they have no signal receivers, so the
    # ORM deletes them in one statement.
    for ids in chunks(work.delete_marker_ids):
        ManagedPeriodicTask.objects.filter(id__in=ids).delete()
    _delete_without_signals(PeriodicTask, work.delete_task_ids)

    _tasks_update(updates=work.updates, schedule_ids=schedule_ids, now=now)

    created = [PeriodicTask(**item.task_values, **schedule_ids(ref)) for item, ref in work.creates]
    PeriodicTask.objects.bulk_create(created, batch_size=BATCH_SIZE)
    markers = []
    for task in created:
        if task.pk is None:
            raise RuntimeError("The database did not return the id of a new periodic task.")
        markers.append(ManagedPeriodicTask(periodic_task_id=task.pk, name=task.name))
    ManagedPeriodicTask.objects.bulk_create(markers, batch_size=BATCH_SIZE)

    for kind, orphan_ids in work.orphans.items():
        # Only rows still unused at the time of the delete, whatever the admin did since the read.
        _delete_without_signals(SCHEDULE_MODELS[kind], orphan_ids, unless_used_by=kind)


def _schedule_rows_create(*, work: SyncWork) -> dict[tuple[str, ScheduleKey], int]:
    # Before the tasks: they point at these rows.
    new_ids: dict[tuple[str, ScheduleKey], int] = {}
    for kind, pending in work.new_rows.items():
        model = SCHEDULE_MODELS[kind]
        rows = [model(**values) for values in pending.values()]
        model._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
        for key, row in zip(pending, rows, strict=True):
            if row.pk is None:
                raise RuntimeError(f"The database did not return the id of a new {kind} row.")
            new_ids[(kind, key)] = row.pk
    return new_ids


def _tasks_update(
    *, updates: list[TaskUpdate], schedule_ids: Callable[[ScheduleRef], dict[str, int | None]], now: datetime
) -> None:
    # Only the columns that changed are written, so a column that beat saves
    # meanwhile (last_run_at) is not overwritten with what was read. Tasks
    # getting the same values (say, moved to the same schedule row) share one
    # UPDATE; the rest go through bulk_update, grouped by the columns written.
    same_values: dict[tuple[tuple[str, Any], ...], list[PeriodicTask]] = {}
    for update in updates:
        values = {name: update.desired.task_values[name] for name in update.changed}
        if update.schedule is not None:
            values.update(schedule_ids(update.schedule))
        if "enabled" in update.changed and not values["enabled"]:
            # As PeriodicTask.save() does: a disabled task forgets its last
            # run, so enabling it later starts its schedule afresh.
            values["last_run_at"] = None
        # Neither update() nor bulk_update() applies auto_now.
        values["date_changed"] = now
        for column, value in values.items():
            setattr(update.task, column, value)
        same_values.setdefault(tuple(values.items()), []).append(update.task)
    singles: dict[tuple[str, ...], list[PeriodicTask]] = {}
    for values_key, tasks in same_values.items():
        if len(tasks) == 1:
            singles.setdefault(tuple(column for column, _ in values_key), []).extend(tasks)
            continue
        for ids in chunks([task.id for task in tasks]):
            PeriodicTask.objects.filter(id__in=ids).update(**dict(values_key))
    for columns, tasks in singles.items():
        PeriodicTask.objects.bulk_update(tasks, list(columns), batch_size=BATCH_SIZE)


def _delete_without_signals(model: type[models.Model], ids: list[int], *, unless_used_by: str | None = None) -> None:
    """Delete rows of `model` by id; with `unless_used_by`, only those no PeriodicTask points at through that field.

    Nothing cascades: the caller deletes what points at these rows first (the
    database's foreign keys would refuse the commit otherwise).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(_column(model, "id"))
    unused = ""
    if unless_used_by is not None:
        tasks = quote(PeriodicTask._meta.db_table)
        column = quote(_column(PeriodicTask, unless_used_by))
        unused = f" AND NOT EXISTS (SELECT 1 FROM {tasks} WHERE {tasks}.{column} = {table}.{pk})"  # noqa: S608
    with connection.cursor() as cursor:
        for ids_chunk in chunks(ids):
            placeholders = ", ".join(["%s"] * len(ids_chunk))
            # Table and column names come from the models, the ids are parameters.
            cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({placeholders}){unused}", ids_chunk)  # noqa: S608


def _column(model: type[models.Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    if not isinstance(field, models.Field) or not field.column:
        raise TypeError(f"{model.__name__}.{field_name} is not a column.")
    return field.column
