"""The parts of README.md and docs/*.md written from the code, between `<!-- docs:NAME -->` and `<!-- /docs:NAME -->`.

`python -m testing.docs` (`make docs`) rewrites them; `styleguide_project/tests/test_docs.py`
fails while one differs from what the code says, so a list that mirrors the code cannot drift.
"""

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- docs:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /docs:(?P=name) -->)", re.DOTALL)


def documentation_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _schedule(schedule: object) -> str:
    """`daily at 04:30` for a plain daily crontab, the schedule's own description otherwise."""
    from styleguide_project.tasks.periodic.schedules import Crontab

    if (
        isinstance(schedule, Crontab)
        and schedule.minute.isdigit()
        and schedule.hour.isdigit()
        and (schedule.day_of_month, schedule.month_of_year, schedule.day_of_week) == ("*", "*", "*")
    ):
        return f"daily at {int(schedule.hour):02d}:{int(schedule.minute):02d} ({schedule.timezone or '`TIME_ZONE`'})"
    describe: Callable[[], str] = schedule.describe  # type: ignore[attr-defined]
    return describe()


def _periodic_tasks() -> str:
    from django.conf import settings

    from styleguide_project.tasks.management.commands.setup_periodic_tasks import declared_periodic_tasks

    lines = []
    for item in declared_periodic_tasks():
        queue = settings.CELERY_TASK_ROUTES.get(item.task.name, {}).get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)
        description = re.sub(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b", r"`\1`", item.description)
        lines.append(
            f'- "{item.name}", {_schedule(item.schedule)}: `{item.task.name}` on the `{queue}` queue. {description}'
        )
    return "\n".join(lines) + "\n"


def _setup_periodic_tasks_exit_status() -> str:
    from styleguide_project.tasks.management.commands.setup_periodic_tasks import EXIT_STATUS

    return "Exit status: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_STATUS.items()) + ".\n"


def _queues() -> str:
    from django.conf import settings

    routed: dict[str, list[str]] = {name: [] for name in settings.TASK_QUEUES}
    for task, route in settings.CELERY_TASK_ROUTES.items():
        routed[route["queue"]].append(f"`{task}`")
    lines = []
    for name, tasks in routed.items():
        default = " and every task without a route" if name == settings.CELERY_TASK_DEFAULT_QUEUE else ""
        lines.append(f"- `{name}`: {', '.join(tasks) or 'no routed task'}{default}")
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "periodic-tasks": _periodic_tasks,
    "setup-periodic-tasks-exit-status": _setup_periodic_tasks_exit_status,
    "queues": _queues,
}


def render(text: str) -> tuple[str, list[str]]:
    """`text` with every block written from the code, and the names of the blocks it holds."""
    names: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in GENERATORS:
            raise KeyError(f"no generator for <!-- docs:{name} --> (testing/docs.py knows {', '.join(GENERATORS)})")
        names.append(name)
        return match[1] + GENERATORS[name]() + match[4]

    return BLOCK.sub(replace, text), names


def main() -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")
    django.setup()
    for path in documentation_files():
        text = path.read_text()
        new, names = render(text)
        if new != text:
            path.write_text(new)
            sys.stdout.write(f"{path.relative_to(ROOT)}: rewrote {', '.join(names)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
