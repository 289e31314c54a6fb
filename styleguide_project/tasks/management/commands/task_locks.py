from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from styleguide_project.tasks.locks.selectors import task_lock_list
from styleguide_project.tasks.locks.services import task_lock_free


class Command(BaseCommand):
    help = (
        "List the one_instance task locks held right now, with the seconds left before each lapses; "
        "--free KEY frees one (only when you know its run is dead: the lock exists to stop a second run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--free", metavar="KEY", help="Free the lock with this key.")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["free"]
        if key:
            if not task_lock_free(key=key):
                raise CommandError(f"No lock {key!r} is held; `task_locks` lists the held ones.")
            self.stdout.write(f"Freed lock {key!r}.")
            return

        held = task_lock_list()
        if not held:
            self.stdout.write("No task locks are held.")
            return
        width = max(len(lock.key) for lock in held)
        self.stdout.write(f"{'KEY'.ljust(width)}  TTL")
        for lock in held:
            ttl = "no expiry" if lock.ttl_seconds is None else f"{lock.ttl_seconds:.0f}s"
            self.stdout.write(f"{lock.key.ljust(width)}  {ttl}")
