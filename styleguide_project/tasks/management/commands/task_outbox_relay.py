from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from styleguide_project.tasks.app.celery import app
from styleguide_project.tasks.outbox.services.runs import task_outbox_relay


class Command(BaseCommand):
    help = (
        "Publish the task runs left in the outbox (the broker was down when they were asked for, or their "
        "worker died). Every worker already does this in the background; this is the same pass, by hand."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batches", type=int, default=None, help="At most this many batches (default: setting).")

    def handle(self, *args: Any, **options: Any) -> None:
        result = task_outbox_relay(app=app, max_batches=options["batches"])
        self.stdout.write(
            f"Published {result.published} runs; {result.unknown} of an unregistered task left in the outbox"
            + ("; the broker refused a publish, run it again later." if result.broker_failed else ".")
        )
        if result.broker_failed:
            raise SystemExit(1)
