"""The rows the periodic task definitions ask for, validated before the database is read."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.periodic.rows import SCHEDULE_KEY_FIELDS, ScheduleKey, schedule_key_describe
from styleguide_project.tasks.periodic.schedules import Clocked, Crontab, Interval, PeriodicTaskDefinition, Solar

# Shown in the admin on every managed task.
MANAGED_NOTE = (
    "Declared in config/periodic_tasks.py and kept in sync by `manage.py setup_periodic_tasks`: "
    "changes made here are undone at the next deploy."
)


class PeriodicTaskDefinitionError(ApplicationError):
    """Some definitions are invalid; `extra["errors"]` has one line per problem, each naming its entry."""


@dataclass(frozen=True)
class DesiredTask:
    """A definition as the rows it asks for: its task's columns and its schedule row's."""

    name: str
    kind: str
    key: ScheduleKey
    schedule_values: dict[str, Any]
    task_values: dict[str, Any]
    schedule_description: str


def definition_errors(errors: list[str]) -> PeriodicTaskDefinitionError:
    return PeriodicTaskDefinitionError(
        "Invalid periodic task definitions; nothing was changed:\n  " + "\n  ".join(errors),
        extra={"errors": errors},
    )


def desired_tasks(*, definitions: Sequence[PeriodicTaskDefinition]) -> list[DesiredTask]:
    """The rows `definitions` ask for; raises `PeriodicTaskDefinitionError` listing every invalid entry."""
    errors: list[str] = []
    desired: list[DesiredTask] = []
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
        if not entry_errors:
            desired.append(_desired_task(definition, schedule_values))
    if errors:
        raise definition_errors(errors)
    return desired


def _desired_task(definition: PeriodicTaskDefinition, schedule_values: dict[str, Any]) -> DesiredTask:
    kind = definition.schedule.kind
    key = tuple(schedule_values[name] for name in SCHEDULE_KEY_FIELDS[kind])
    description = definition.description.strip()
    return DesiredTask(
        name=definition.name,
        kind=kind,
        key=key,
        schedule_values=schedule_values,
        schedule_description=schedule_key_describe(kind, key),
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
