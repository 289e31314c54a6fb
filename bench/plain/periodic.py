"""The plain styleguide path: `setup_periodic_tasks`: delete everything and recreate it.

One transaction; every IntervalSchedule, CrontabSchedule and PeriodicTask is
deleted through the ORM (with its signals and cascades), then each entry gets
`CrontabSchedule.objects.create` and `PeriodicTask.objects.create`, one at a
time. The entries are the seed's plain dicts:

    {"task": <task object>, "name": "...", "cron": {"minute": ..., ...}, "enabled": True}

The bench calls it as `call_command(Command(), definitions=[...])`, the same
way as the project's command, so both are timed through `call_command`.
"""

from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

PlainDefinition = dict[str, Any]


class Command(BaseCommand):
    help = "Setup celery beat periodic tasks: delete all of them and their schedules, then create each entry."
    # The seed's list is written inside handle(); the bench passes the generated one.
    stealth_options = ("definitions",)

    @transaction.atomic
    def handle(self, *args: Any, **kwargs: Any) -> None:
        periodic_tasks_data: Sequence[PlainDefinition] = kwargs["definitions"]
        # The seed print()s; self.stdout is the same write per line, and lets
        # the bench keep 10,000 progress lines out of its report.
        self.stdout.write("Deleting all periodic tasks and schedules...\n")

        IntervalSchedule.objects.all().delete()
        CrontabSchedule.objects.all().delete()
        PeriodicTask.objects.all().delete()

        for periodic_task in periodic_tasks_data:
            self.stdout.write(f"Setting up {periodic_task['task'].name}")

            cron = CrontabSchedule.objects.create(**periodic_task["cron"])

            PeriodicTask.objects.create(
                name=periodic_task["name"],
                task=periodic_task["task"].name,
                crontab=cron,
                enabled=periodic_task["enabled"],
            )
