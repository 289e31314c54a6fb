"""The fingerprints that let a sync with nothing to do say so at once.

A sync validates every definition and compares every managed task with it:
about a second at 10,000 definitions, at every deploy, almost always to find
nothing changed. So each sync that writes stores two fingerprints
(`PeriodicTaskSyncState`): of the definitions it read, and of the rows it left.
A later sync with the same definitions over the same rows would plan nothing
(a sync is idempotent), so it returns "all unchanged" without planning.

- The definitions' fingerprint covers every field of every definition, in
  order, and what their validity and their rows depend on besides: the
  signature of each task, the configured queues, TIME_ZONE, the note written
  on every managed task, the versions of Celery and django-celery-beat, and
  `SYNC_RULES_VERSION`, which a change to how definitions become rows bumps.
  Anything it cannot fingerprint (an entry that is not a definition, say)
  makes it None: the sync then takes its full path, which reports the error.
- The rows' fingerprint covers every column of beat's tables that the sync
  decides or compares (all of a task's but `last_run_at`, `total_run_count`
  and `date_changed`, which beat writes as it runs), every schedule row and
  every marker. An edit in the admin, a task beat disabled after its one run,
  a row deleted by hand: each changes it, and the next sync plans in full.
  On PostgreSQL it is computed in the database (a few tens of milliseconds
  at 10,000 tasks); elsewhere from the rows read into Python.
"""

import hashlib
from collections.abc import Sequence
from importlib.metadata import version

from django.conf import settings
from django.db import connection, models
from django_celery_beat.models import PeriodicTask

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic.desired import MANAGED_NOTE
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask
from styleguide_project.tasks.periodic.rows import SCHEDULE_MODELS, TASK_FIELDS
from styleguide_project.tasks.periodic.schedules import PeriodicTaskDefinition, _run_signature

# Bump when the rows a definition asks for, or the rules of a sync, change in a way the definitions do not show.
SYNC_RULES_VERSION = 1


def definitions_fingerprint(definitions: Sequence[PeriodicTaskDefinition]) -> str | None:
    """A fingerprint of `definitions` and of what their rows depend on; None when one of them cannot have one."""
    digest = hashlib.sha256()
    context = (
        SYNC_RULES_VERSION,
        settings.TIME_ZONE,
        MANAGED_NOTE,
        version("celery"),
        version("django-celery-beat"),
        sorted(celery_app.amqp.queues) if celery_app.conf.task_queues else None,
    )
    digest.update(repr(context).encode())
    signatures: dict[str, str] = {}
    for definition in definitions:
        if type(definition) is not PeriodicTaskDefinition:
            return None
        task_name = getattr(definition.task, "name", None)
        if not isinstance(task_name, str) or task_name not in celery_app.tasks:
            return None
        if task_name not in signatures:
            signatures[task_name] = str(_run_signature(task_name))
        try:
            # The schedules are frozen dataclasses of plain values: their fields, with the class's name.
            schedule = (type(definition.schedule).__name__, tuple(vars(definition.schedule).items()))
            kwargs = sorted(definition.kwargs.items())
        except (AttributeError, TypeError):
            return None
        entry = (
            definition.name,
            task_name,
            schedule,
            kwargs,
            definition.queue,
            definition.enabled,
            definition.expire_seconds,
            definition.description,
            definition.grace_seconds,
        )
        # The repr of plain values says each one with its type. Hashed one at a time: ten thousand entries
        # kept in a list would set off the garbage collector's full passes over the whole process.
        digest.update(repr(entry).encode())
    return digest.hexdigest()


def _fingerprinted_tables() -> list[tuple[type[models.Model], list[str]]]:
    """(model, columns) of every table the rows' fingerprint covers, the id first."""

    def columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
        found = []
        for name in names:
            field = model._meta.get_field(name)
            if not isinstance(field, models.Field) or not field.column:
                raise TypeError(f"{model.__name__}.{name} is not a column.")
            found.append(field.column)
        return found

    tables: list[tuple[type[models.Model], list[str]]] = [
        (PeriodicTask, columns(PeriodicTask, ("id", *TASK_FIELDS, *(f"{kind}_id" for kind in SCHEDULE_MODELS)))),
        (ManagedPeriodicTask, columns(ManagedPeriodicTask, ("id", "name", "periodic_task_id", "grace_seconds"))),
    ]
    for model in SCHEDULE_MODELS.values():
        tables.append((model, columns(model, [field.name for field in model._meta.concrete_fields])))
    return tables


def rows_fingerprint() -> str:
    """A fingerprint of beat's tables and the markers, leaving out the columns beat writes as it runs."""
    quote = connection.ops.quote_name
    parts: list[str] = []
    if connection.vendor == "postgresql":
        selects = []
        for model, columns in _fingerprinted_tables():
            listed = ", ".join(quote(column) for column in columns)
            # Names from the models; no parameters.
            # The sum of a 64-bit hash of each row (its id included) and the number of rows: every row's
            # text hashed in C, with no ordering and no long string to build. Not meant to resist someone who
            # crafts a collision: whoever can write these tables needs none. A PostgreSQL upgrade that hashes
            # differently only makes the next sync plan in full.
            selects.append(
                f"(SELECT concat(sum(hashtextextended(t::text, 0)::numeric), '/', count(*))"  # noqa: S608
                f" FROM (SELECT {listed} FROM {quote(model._meta.db_table)}) AS t)"
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects))
            parts = list(cursor.fetchone())
    else:
        for model, columns in _fingerprinted_tables():
            digest = hashlib.sha256()
            with connection.cursor() as cursor:
                listed = ", ".join(quote(column) for column in columns)
                cursor.execute(
                    f"SELECT {listed} FROM {quote(model._meta.db_table)} ORDER BY {quote(columns[0])}"  # noqa: S608
                )
                for row in cursor.fetchall():
                    digest.update(repr(row).encode())
            parts.append(digest.hexdigest())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
