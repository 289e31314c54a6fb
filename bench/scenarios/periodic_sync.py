"""periodic_sync: `setup_periodic_tasks` with 1,000 and 10,000 definitions, against the plain delete-and-recreate.

Per round, on emptied tables, the project's command (styleguide_project/tasks/
periodic_sync.py) runs three times: the first sync, a re-run with nothing
changed and a re-run with one entry's schedule changed; the plain path
(bench/plain/periodic.py) runs twice: its first run and its re-run, which
deletes and recreates everything whatever changed. Both are timed through
`call_command` in this process, so Django's start-up is not in the figures.
Each run also counts its SQL statements, the rows it wrote to beat's tables
and the markers, and its bumps of beat's change marker (each one makes a
running beat reload its schedule). Once a size, the project's beat scheduler
then loads the schedule from the database, as a running beat does when the
marker moved.

The plain path is slow, and slower per entry the more entries: each create
runs django-celery-beat's default for CrontabSchedule.timezone, which lists
every IANA zone on disk (about 10 ms), and each of its 3 to 5 marker bumps
per entry, all in one transaction, leaves a row version that every later
bump steps over. 10,000 entries would take it tens of minutes, so full mode
measures it at 1,000 and gives the 10,000 figures scaled linearly from
there, under names ending in `_extrapolated` (the counts, exact) and
`_extrapolated_lower_bound` (the seconds and the speed-ups). Set
BENCH_PERIODIC_PLAIN_10000=1 to measure it at 10,000 instead, once.
"""

import gc
import io
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import partial
from typing import Any

# The runner sets Django up before it imports a scenario.
from celery.utils.imports import symbol_by_name
from django.core.management import call_command
from django.db import connection
from django.db.models import Model
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)

from bench.harness import Bench, ScenarioResult, Target, fmt, median
from bench.plain.periodic import Command as PlainCommand
from bench.plain.periodic import PlainDefinition
from bench.sink import Sink
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.periodic import schedules
from styleguide_project.tasks.periodic.models import ManagedPeriodicTask
from styleguide_project.tasks.periodic.schedules import Crontab, PeriodicTaskDefinition

# One of the project's real periodic tasks; it takes no required argument
# (`day` is optional), so the definitions pass the kwargs check of schedules.py.
TASK_NAME = "emails.email_failed_summary_send"
# The hour field: every hour as a number, as most crontabs are written, and a
# few forms beat never leaves out of its reload window (see _beat_reload).
HOURS = (*(str(hour) for hour in range(24)), "*", "*/2", "8-18")
DAYS_OF_WEEK = ("*", "1-5", "0,6", "1", "3", "5")
# The changed entry of the third project run gets a crontab no other entry has.
CHANGED_CRONTAB = {"minute": "*/15"}


@dataclass(frozen=True)
class SizePlan:
    size: int
    # Rounds of the project's path; the plain path runs in the first
    # `plain_rounds` of them (0: not measured at this size, extrapolated).
    rounds: int
    plain_rounds: int


@dataclass(frozen=True)
class Run:
    seconds: float
    queries: int
    rows_written: int
    change_bumps: int


RUN_FIELDS = tuple(field.name for field in fields(Run))


@dataclass(frozen=True)
class SizeResult:
    plan: SizePlan
    # The median of each run, by key; the plain keys only when measured.
    runs: dict[str, Run]
    beat_reload_seconds: float
    beat_reload_entries: int
    beat_load_all_seconds: float


# (key, label) of the project's runs, in the order of the table.
PROJECT_RUNS = (
    ("project_first", "first run"),
    ("project_noop", "re-run, no change"),
    ("project_changed", "re-run, one entry changed"),
)
PLAIN_RUNS = ("plain_first", "plain_rerun")
# The plain run each project run is compared with: the plain path has no
# cheaper way to apply one change than its whole re-run.
COMPARED_WITH = {"project_first": "plain_first", "project_noop": "plain_rerun", "project_changed": "plain_rerun"}


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    if bench.quick:
        plans = (SizePlan(100, rounds=3, plain_rounds=3), SizePlan(200, rounds=3, plain_rounds=1))
    else:
        plain_10000 = 1 if os.environ.get("BENCH_PERIODIC_PLAIN_10000") == "1" else 0
        plans = (SizePlan(1000, rounds=3, plain_rounds=2), SizePlan(10_000, rounds=3, plain_rounds=plain_10000))

    result = ScenarioResult()
    measured: list[SizeResult] = []
    for plan in plans:
        size = _measure_size(plan)
        measured.append(size)
        _report_size(result, size, plain=_plain_runs(size, measured))
    _add_targets(result, measured)
    return result


def _plain_runs(size: SizeResult, measured: Sequence[SizeResult]) -> tuple[dict[str, Run], int | None]:
    """The plain runs to compare `size` with, and the size they were extrapolated from (None: measured)."""
    if size.plan.plain_rounds:
        return {key: size.runs[key] for key in PLAIN_RUNS}, None
    base = max((other for other in measured if other.plan.plain_rounds), key=lambda other: other.plan.size)
    # Scaled linearly: exact for the counts, as the plain path runs the same
    # statements for every entry; a lower bound for the seconds, as its cost
    # per entry grows with the size (see the module's docstring).
    factor = size.plan.size / base.plan.size
    plain = {
        key: Run(
            seconds=base.runs[key].seconds * factor,
            queries=round(base.runs[key].queries * factor),
            rows_written=round(base.runs[key].rows_written * factor),
            change_bumps=round(base.runs[key].change_bumps * factor),
        )
        for key in PLAIN_RUNS
    }
    return plain, base.plan.size


def _report_size(result: ScenarioResult, size: SizeResult, *, plain: tuple[dict[str, Run], int | None]) -> None:
    n = size.plan.size
    plain_runs, extrapolated_from = plain
    figures = result.figures
    figures[f"crontabs_{n}"] = len({_crontab(index) for index in range(n)})
    figures[f"rounds_{n}"] = size.plan.rounds
    figures[f"plain_rounds_{n}"] = size.plan.plain_rounds
    for key, run in size.runs.items():
        figures.update({f"{key}_{n}_{name}": round(getattr(run, name), 4) for name in RUN_FIELDS})
    if extrapolated_from is not None:
        for key, run in plain_runs.items():
            figures[f"{key}_{n}_seconds_extrapolated_lower_bound"] = round(run.seconds, 1)
            for name in ("queries", "rows_written", "change_bumps"):
                figures[f"{key}_{n}_{name}_extrapolated"] = getattr(run, name)

    for key, label in PROJECT_RUNS:
        project, compared = size.runs[key], plain_runs[COMPARED_WITH[key]]
        speedup = compared.seconds / project.seconds
        name = f"{key.removeprefix('project_')}_speedup_{n}"
        if extrapolated_from is None:
            figures[name] = round(speedup, 1)
            plain_cells = (fmt(compared.seconds, 2), _counts(compared))
            note = f"{_ratio(speedup)}; medians, {size.plan.rounds} / {size.plan.plain_rounds} rounds"
        else:
            figures[f"{name}_extrapolated_lower_bound"] = round(speedup, 1)
            plain_cells = (f">= {fmt(compared.seconds, 2)}", f"~{_counts(compared)}")
            note = (
                f">= {_ratio(speedup)}; plain not run: {extrapolated_from:,} x{n // extrapolated_from}, a lower bound"
            )
        if key == "project_changed":
            note += "; plain = its re-run"
        result.rows.append((f"{label}, {n:,} (s)", _seconds(project.seconds), plain_cells[0], note))
        result.rows.append(("  queries / rows written / beat bumps", _counts(project), plain_cells[1], ""))

    figures[f"beat_reload_{n}_seconds"] = round(size.beat_reload_seconds, 4)
    figures[f"beat_reload_{n}_entries"] = size.beat_reload_entries
    figures[f"beat_load_all_{n}_seconds"] = round(size.beat_load_all_seconds, 4)
    result.rows.append(
        (
            f"beat schedule reload, {n:,} (s)",
            _seconds(size.beat_reload_seconds),
            "",
            f"{size.beat_reload_entries:,} of {n:,} tasks in beat's window; "
            f"all: {_seconds(size.beat_load_all_seconds)} s",
        )
    )


def _add_targets(result: ScenarioResult, measured: Sequence[SizeResult]) -> None:
    for size in measured:
        n = size.plan.size
        if n in (1000, 10_000) and size.plan.plain_rounds:
            result.targets.append(
                Target(
                    name=f"noop_speedup_{n}",
                    description=f"no-op re-run at {n:,}: plain re-run seconds / project no-op seconds",
                    value=size.runs["plain_rerun"].seconds / size.runs["project_noop"].seconds,
                    limit=50,
                    kind="min",
                )
            )
    if measured[-1].plan.size == 10_000:
        noop = measured[-1].runs["project_noop"]
        result.targets.append(
            Target(
                name="noop_10000_seconds",
                description="no-op re-run of 10,000 definitions, seconds",
                value=noop.seconds,
                limit=0.2,
                kind="max",
            )
        )
    else:
        result.rows.append(("no-op re-run of 10,000 in <= 0.2 s", "", "", "target checked in full mode only"))
    result.targets.append(
        Target(
            name="noop_rows_written",
            description="rows the project's no-op re-run writes (the most at any size)",
            value=max(size.runs["project_noop"].rows_written for size in measured),
            limit=0,
            kind="max",
        )
    )
    largest = measured[-1]
    n = largest.plan.size
    first = largest.runs["project_first"]
    if n == 10_000:
        result.targets.append(
            Target(
                name="first_sync_10000_seconds",
                description="first sync of 10,000 definitions, seconds",
                value=first.seconds,
                limit=5,
                kind="max",
            )
        )
    else:
        result.rows.append(("first sync of 10,000 in <= 5 s", "", "", "target checked in full mode only"))
    # Exactly one: at most one (a reload of beat per bump), and at least one,
    # or a running beat would not see the new schedule.
    result.targets.append(
        Target(
            name=f"first_sync_{n}_change_bumps",
            description=f"beat change-marker bumps of the first sync of {n:,}, at most",
            value=first.change_bumps,
            limit=1,
            kind="max",
        )
    )
    result.targets.append(
        Target(
            name=f"first_sync_{n}_change_bumped",
            description=f"beat change-marker bumps of the first sync of {n:,}, at least (so: exactly 1)",
            value=first.change_bumps,
            limit=1,
            kind="min",
        )
    )


def _ratio(value: float) -> str:
    return f"{value:,.0f}x" if value >= 10 else f"{value:.1f}x"


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 1 else fmt(value, 2)


def _counts(run: Run) -> str:
    return f"{run.queries:,} / {run.rows_written:,} / {run.change_bumps:,}"


# --- the definitions ---


def _crontab(index: int) -> tuple[str, str, str]:
    """(minute, hour, day_of_week) of entry `index`: nearly every entry its own crontab up to 9,720.

    Few shared schedule rows is the project's worst case (the plain path makes
    one row per entry anyway); the sync shares rows that are equal.
    """
    minute = str(index % 60)
    hour = HOURS[index // 60 % len(HOURS)]
    day_of_week = DAYS_OF_WEEK[index // (60 * len(HOURS)) % len(DAYS_OF_WEEK)]
    return minute, hour, day_of_week


def _cron_fields(index: int) -> dict[str, str]:
    minute, hour, day_of_week = _crontab(index)
    return {"minute": minute, "hour": hour, "day_of_week": day_of_week, "day_of_month": "*", "month_of_year": "*"}


def _names(size: int) -> list[str]:
    return [f"Bench: periodic task {index:05d}" for index in range(size)]


def project_definitions(size: int, *, changed: int | None = None) -> list[PeriodicTaskDefinition]:
    """The project's definitions; entry `changed` (if any) with CHANGED_CRONTAB for its schedule."""

    task = celery_app.tasks[TASK_NAME]
    return [
        PeriodicTaskDefinition(
            name=name,
            task=task,
            schedule=Crontab(**(CHANGED_CRONTAB if index == changed else _cron_fields(index))),
        )
        for index, name in enumerate(_names(size))
    ]


def plain_definitions(size: int) -> list[PlainDefinition]:
    """The same entries as the plain path's dicts."""

    task = celery_app.tasks[TASK_NAME]
    return [
        {"task": task, "name": name, "cron": _cron_fields(index), "enabled": True}
        for index, name in enumerate(_names(size))
    ]


# --- one size ---


def _measure_size(plan: SizePlan) -> SizeResult:
    project = project_definitions(plan.size)
    changed = project_definitions(plan.size, changed=plan.size // 2)
    plain = plain_definitions(plan.size)
    runs: dict[str, list[Run]] = {key: [] for key, _ in PROJECT_RUNS}
    runs.update({key: [] for key in PLAIN_RUNS})
    reloads: list[tuple[float, int, float]] = []

    def project_round(*, reload: bool) -> None:
        _clean_beat_tables()
        first = _measure(lambda: _call_command("setup_periodic_tasks", project))
        _check_first_run(first, tasks=plan.size)
        runs["project_first"].append(first)
        runs["project_noop"].append(_measure(lambda: _call_command("setup_periodic_tasks", project)))
        runs["project_changed"].append(_measure(lambda: _call_command("setup_periodic_tasks", changed)))
        if reload:
            reloads.append(_beat_reload())

    def plain_round() -> None:
        _clean_beat_tables()
        first = _measure(lambda: _call_command(PlainCommand(), plain))
        _check_first_run(first, tasks=plan.size)
        runs["plain_first"].append(first)
        runs["plain_rerun"].append(_measure(lambda: _call_command(PlainCommand(), plain)))

    for index in range(plan.rounds):
        # The reload reads the project's tasks, once a size: at 10,000 it
        # takes longer than the project's three runs together.
        paths: list[Callable[[], None]] = [partial(project_round, reload=index == plan.rounds - 1)]
        if index < plan.plain_rounds:
            paths.append(plain_round)
        # Alternating which path goes first, so neither always runs right
        # after the other (a warm cache, a busy WAL writer).
        for path in paths if index % 2 == 0 else reversed(paths):
            path()
    _clean_beat_tables()

    ((reload_seconds, reload_entries, all_seconds),) = reloads
    return SizeResult(
        plan=plan,
        runs={key: _median_run(values) for key, values in runs.items() if values},
        beat_reload_seconds=reload_seconds,
        beat_reload_entries=reload_entries,
        beat_load_all_seconds=all_seconds,
    )


def _call_command(command: Any, definitions: Sequence[Any]) -> None:

    # A deploy runs the command at the default verbosity; its output (a line
    # per task on both paths) goes to a buffer rather than to the report.
    call_command(command, definitions=definitions, stdout=io.StringIO())


def _cold_caches() -> None:
    """Empty the project's in-process caches of the definitions' checks.

    A deploy runs setup_periodic_tasks in a fresh process, so every run
    measured here starts with them empty, as it would there.
    """

    schedules._crontab_row.cache_clear()
    schedules._run_signature.cache_clear()
    schedules._timezones.cache_clear()
    schedules._check_cron_field.cache_clear()


# --- measuring one run ---


class _StatementCounter:
    """A connection execute wrapper: every statement, and the writes to beat's change marker.

    CaptureQueriesContext would not do: the connection's query log keeps the
    last 9,000 statements only, and the plain path runs tens of thousands.
    """

    def __init__(self, marker_table: str) -> None:
        self.queries = 0
        self.change_bumps = 0
        # update_or_create writes the marker row: INSERT the first time, UPDATE after.
        self._marker_write = re.compile(rf'\s*(?:UPDATE|INSERT INTO) "{re.escape(marker_table)}"', re.IGNORECASE)

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        if self._marker_write.match(sql):
            self.change_bumps += 1
        return execute(sql, params, many, context)


def _measure(command: Callable[[], None]) -> Run:

    _cold_caches()
    # Garbage of the previous run is collected now rather than during this one.
    gc.collect()
    counter = _StatementCounter(PeriodicTasks._meta.db_table)
    written_before = _rows_written_so_far()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        command()
        seconds = time.perf_counter() - started
    return Run(
        seconds=seconds,
        queries=counter.queries,
        rows_written=_rows_written_so_far() - written_before,
        change_bumps=counter.change_bumps,
    )


def _beat_models() -> list[type[Model]]:
    """django-celery-beat's tables and the project's markers: everything the two paths write."""
    return [
        PeriodicTask,
        PeriodicTasks,
        CrontabSchedule,
        IntervalSchedule,
        SolarSchedule,
        ClockedSchedule,
        ManagedPeriodicTask,
    ]


def _beat_tables() -> list[str]:
    return [model._meta.db_table for model in _beat_models()]


def _rows_written_so_far() -> int:
    """Rows inserted, updated and deleted in beat's tables and the markers, by every committed transaction.

    From pg_stat_user_tables (PostgreSQL 15+: shared memory). A backend adds
    its counts there when it goes idle, at most once a second, so the last
    run's could still be pending: pg_stat_force_next_flush() makes this
    connection add them when its statement ends (autocommit: a transaction of
    its own), before the server answers. TRUNCATE is not counted, so cleaning
    the tables between runs does not show. Nothing but the bench writes these
    tables in this database.
    """

    if not connection.get_autocommit() or connection.in_atomic_block:
        raise RuntimeError("the row counts are read between transactions, in autocommit")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        # Within one transaction the statistics read are a snapshot; this is a new one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
            " WHERE relid = ANY(%s::regclass[])",
            [_beat_tables()],
        )
        return int(cursor.fetchone()[0])


def _table_rows() -> int:
    return sum(model._default_manager.count() for model in _beat_models())


def _check_first_run(run: Run, *, tasks: int) -> None:
    """A first run on empty tables only inserts rows, and bumps the marker row (one INSERT, then UPDATEs).

    So what the statistics say was written must be what the tables hold plus
    the marker's updates: a check of the rows-written figure itself.
    """

    if PeriodicTask.objects.count() != tasks:
        raise RuntimeError(f"a first run made {PeriodicTask.objects.count()} periodic tasks of {tasks}")
    expected = _table_rows() + max(run.change_bumps - 1, 0)
    if run.rows_written != expected:
        raise RuntimeError(f"pg_stat_user_tables counted {run.rows_written} rows written, the tables say {expected}")


def _clean_beat_tables() -> None:
    """Empty beat's tables and the markers, so each path's runs start from the same empty state."""

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in _beat_tables()))


def _beat_reload() -> tuple[float, int, float]:
    """(seconds, entries) of the project's beat scheduler reloading the schedule, and the seconds to load all tasks.

    `all_as_schedule()` is what DatabaseScheduler runs at start and whenever
    the change marker moved. django-celery-beat (2.8+) leaves out of it the
    crontabs whose single-number hour is more than 2 hours from now, so how
    many entries it loads depends on the hour of the run; the second figure
    makes an entry of every enabled task, as the reload does when all are in
    its window. The reload's own query costs more than the entries: to find
    "the timezones in use" it gets one row per distinct crontab (a DISTINCT
    over the model's default ordering, celery/django-celery-beat#947) and
    builds a CASE branch for each.
    """
    scheduler_class = symbol_by_name(celery_app.conf.beat_scheduler)
    # lazy: the constructor would load the schedule itself. No tick runs, so
    # the scheduler neither takes nor touches its Redis lock.
    scheduler = scheduler_class(app=celery_app, lazy=True)
    try:
        started = time.perf_counter()
        schedule = scheduler.all_as_schedule()
        reload_seconds = time.perf_counter() - started
        started = time.perf_counter()
        everything = {model.name: scheduler.Entry(model, app=celery_app) for model in PeriodicTask.objects.enabled()}
        all_seconds = time.perf_counter() - started
    finally:
        scheduler.close()
    if len(everything) != PeriodicTask.objects.filter(enabled=True).count():
        raise RuntimeError("the scheduler did not load every enabled task")
    return reload_seconds, len(schedule), all_seconds


# --- report ---


def _median_run(values: Sequence[Run]) -> Run:
    return Run(
        seconds=median([value.seconds for value in values]),
        queries=round(median([value.queries for value in values])),
        rows_written=round(median([value.rows_written for value in values])),
        change_bumps=round(median([value.change_bumps for value in values])),
    )
