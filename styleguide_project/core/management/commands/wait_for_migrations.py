"""`python manage.py wait_for_migrations`: block until the database is up and fully migrated.

beat reads its schedules from the database as it starts. When every process
starts at once (`make stack`, a fresh machine), the web process may still be
migrating; beat waits here instead of crashing on a missing table.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Wait until the database answers and every migration is applied; fail after --timeout seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=300.0, help="Seconds to wait before failing.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between two looks.")

    def handle(self, *args: Any, timeout: float, interval: float, **options: Any) -> None:
        deadline = time.monotonic() + timeout
        reported = None
        while True:
            state = _migration_state()
            if state == "":
                return
            if state != reported:
                self.stderr.write(f"Waiting: {state}")
                reported = state
            if time.monotonic() >= deadline:
                raise CommandError(f"Gave up after {timeout:g}s: {state}")
            time.sleep(interval)


def _migration_state() -> str:
    """Empty when the database is migrated, else what is missing."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        connection.close()
        return f"the database is not answering ({exc.__class__.__name__})"
    if pending:
        return f"{len(pending)} unapplied migration(s) (run `python manage.py migrate`)"
    return ""
