import argparse
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter
from django.utils.module_loading import import_string

from styleguide_project.tasks.periodic.schedules import PeriodicTaskDefinition
from styleguide_project.tasks.periodic.sync import (
    PeriodicTaskDefinitionError,
    PeriodicTaskSyncPlan,
    periodic_tasks_sync,
)
from styleguide_project.tasks.periodic.watchdog import periodic_task_due_list

POLICY = """\
Makes django-celery-beat's tables say exactly what settings.PERIODIC_TASKS
declares. Run it at every deploy, after `migrate`; run it with --check in CI.

  - Managed tasks are the ones declared in code, recognised by their
    ManagedPeriodicTask marker. Tasks made in the admin (no marker) are never
    changed or deleted.
  - The marker also holds the definition's grace_seconds, which the
    watchdog reads (the overdue check below, health, metrics).
  - The code wins: edits to a managed task in the admin, including switching
    `enabled`, last until the next sync. Pause a task for good in the code.
  - Declared tasks removed from the code are deleted; schedule rows that no
    task uses any more are removed.
  - An unchanged task is not written at all: it keeps last_run_at and
    total_run_count. A second run with the same code writes nothing, and
    answers at once: each run that writes stores fingerprints of the
    definitions and of the rows, and a run that finds both the same
    (nothing edited in the admin since) has nothing to plan.
  - One transaction, serialised against a concurrent run; an invalid
    definition (bad cron field, unknown task, duplicate name, bad timezone,
    kwargs the task does not accept, ...) is reported by name and nothing is
    written. A running beat is told the schedule changed and reloads it.

With --check it also names the managed tasks that are overdue against their
own schedule by more than their grace (the same watchdog as the health
report's `schedules` part).

"""

# The command's exit statuses, as --help and the README (generated from this, testing/docs.py) say them.
EXIT_DONE, EXIT_DIFFERS, EXIT_INVALID, EXIT_OVERDUE = 0, 1, 2, 3
EXIT_STATUS = {
    EXIT_DONE: "done (with `--check`: in sync, none overdue)",
    EXIT_DIFFERS: "with `--check`: the database differs from the code",
    EXIT_INVALID: "invalid definitions, nothing written",
    EXIT_OVERDUE: "with `--check`: in sync, but some task is overdue",
}
POLICY += "Exit status: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_STATUS.items()) + "."


def _help(definitions: Sequence[PeriodicTaskDefinition]) -> str:
    lines = [f'  - "{item.name}": {item.task.name}, {item.schedule.describe()}' for item in definitions]
    return f"{POLICY}\n\nDeclared tasks:\n" + "\n".join(lines)


def declared_periodic_tasks() -> Sequence[PeriodicTaskDefinition]:
    """The project's list, named by settings.PERIODIC_TASKS (a dotted path, like ROOT_URLCONF)."""
    definitions: Sequence[PeriodicTaskDefinition] = import_string(settings.PERIODIC_TASKS)
    return definitions


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's formatter, keeping the line breaks of the description."""


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _help(declared_periodic_tasks())

    # Tests pass their own definitions: call_command(..., definitions=[...]).
    stealth_options = ("definitions",)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="Print the plan and write nothing.")
        mode.add_argument(
            "--check",
            action="store_true",
            help=f"Write nothing; exit {EXIT_DIFFERS} when the database differs from the code, {EXIT_OVERDUE} when "
            f"some task is overdue, {EXIT_DONE} when neither.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        definitions: Sequence[PeriodicTaskDefinition] | None = options.get("definitions")
        if definitions is None:
            definitions = declared_periodic_tasks()
        dry_run: bool = options["dry_run"] or options["check"]
        try:
            plan = periodic_tasks_sync(definitions=definitions, dry_run=dry_run)
        except PeriodicTaskDefinitionError as exc:
            raise CommandError(exc.message, returncode=EXIT_INVALID) from exc

        if options["verbosity"] >= 1:
            self._print_plan(plan)
        if options["check"]:
            if not plan.in_sync:
                raise CommandError(
                    "The periodic tasks in the database differ from the code: run `manage.py setup_periodic_tasks`.",
                    returncode=EXIT_DIFFERS,
                )
            self.stdout.write("In sync with the code.")
            self._check_overdue()
            return
        counts = (
            f"{plan.count('create')} created, {plan.count('update')} updated, {plan.count('delete')} deleted, "
            f"{plan.count('unchanged')} unchanged; {len(plan.schedule_removals)} unused schedule rows removed"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written. It would be: {counts}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Periodic tasks: {counts}."))

    def _check_overdue(self) -> None:
        # In sync: the graces on the markers are the code's.
        # Every note worked out: a check is not bounded like a scrape.
        late = [state for state in periodic_task_due_list(notes_at_most=None).due if state.late]
        for state in late:
            self.stdout.write(
                self.style.ERROR(
                    f'overdue   "{state.name}": due at {state.due_at.isoformat()}, {state.overdue_seconds:.0f} s late '
                    f"(grace {state.grace_seconds:.0f} s)"
                )
            )
        if late:
            raise CommandError(f"{len(late)} periodic task(s) overdue: is beat sending them?", returncode=EXIT_OVERDUE)

    def _print_plan(self, plan: PeriodicTaskSyncPlan) -> None:
        styles: dict[str, Callable[[str], str]] = {
            "create": self.style.SUCCESS,
            "update": self.style.WARNING,
            "delete": self.style.ERROR,
            "unchanged": str,
        }
        for change in plan.changes:
            details = f": {'; '.join(change.details)}" if change.details else ""
            self.stdout.write(styles[change.action](f'{change.action:<9} "{change.name}"{details}'))
        for removal in plan.schedule_removals:
            self.stdout.write(
                self.style.ERROR(f"{'delete':<9} unused {removal.kind} row {removal.id}: {removal.description}")
            )
