from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.outbox.selectors import dead_letter_get, dead_letter_list
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay, dead_letter_replay_all


class Command(BaseCommand):
    help = (
        "List the dead letters (runs of tasks that failed for good), newest first; --replay ID runs one again "
        "with the same arguments, --replay-all --task NAME runs again every letter of a task not yet replayed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task", metavar="NAME", help="Only the letters of this task.")
        parser.add_argument("--limit", type=int, default=50, help="List at most this many (default 50).")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--replay", type=int, metavar="ID", help="Replay the letter with this id.")
        action.add_argument("--replay-all", action="store_true", help="Replay every letter of --task not yet replayed.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["replay"] is not None:
                self._replay(dead_letter_id=options["replay"])
            elif options["replay_all"]:
                if not options["task"]:
                    raise CommandError("--replay-all needs --task NAME: which task's letters to replay.")
                replayed = dead_letter_replay_all(task_name=options["task"])
                self.stdout.write(f"Replayed {len(replayed)} dead letter(s) of {options['task']}.")
            else:
                self._list(task_name=options["task"], limit=options["limit"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _replay(self, *, dead_letter_id: int) -> None:
        letter = dead_letter_get(dead_letter_id=dead_letter_id)
        if letter is None:
            raise CommandError(f"No dead letter {dead_letter_id}; `task_dead_letters` lists them.")
        letter = dead_letter_replay(dead_letter=letter)
        self.stdout.write(f"Replayed dead letter {letter.id} of {letter.task_name} as task {letter.replayed_as}.")

    def _list(self, *, task_name: str | None, limit: int) -> None:
        letters = dead_letter_list(filters={"task_name": task_name} if task_name else {})
        total = letters.count()
        if not total:
            self.stdout.write("No dead letters.")
            return
        rows = [("ID", f"FAILED AT ({settings.TIME_ZONE})", "TASK", "ATTEMPTS", "ERROR", "REPLAYED AS")]
        for letter in letters[: max(0, limit)]:
            task = letter.task_name
            if not getattr(letter, "task_registered", True):
                task += " (not registered)"
            error = f"{letter.exception_type}: {letter.exception_message}".splitlines()[0][:100]
            failed_at = timezone.localtime(letter.last_failed_at).strftime("%Y-%m-%d %H:%M:%S")
            rows.append((str(letter.id), failed_at, task, str(letter.attempts), error, letter.replayed_as or "-"))
        for line in _columns(rows):
            self.stdout.write(line)
        if total > limit:
            self.stdout.write(f"... {total - limit} more (--limit, --task).")


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """The rows as aligned columns, two spaces apart; numbers (ID, ATTEMPTS) to the right."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    numeric = {0, 3}
    return [
        "  ".join(
            cell.rjust(width) if column in numeric else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
