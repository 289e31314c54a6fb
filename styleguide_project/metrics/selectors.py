"""The reads behind `/metrics`: the outbox, the dead letters and the emails, from PostgreSQL.

Each is one aggregate query over rows that do not pile up with history:
the runs still owed (an index on `done_at`), the letters kept for their
retention, and the email counts the database keeps (`EmailStatusCount`),
not the emails. `metrics_database_bounded()` bounds every query of a
scrape on PostgreSQL (`SET LOCAL statement_timeout`), so a slow database
makes the scrape report the database part as failed instead of holding a
web worker.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.utils import timezone

from styleguide_project.emails.models import Email, EmailStatusCount
from styleguide_project.tasks.outbox.models import DeadLetter, OutboxRun


@contextmanager
def metrics_database_bounded(*, timeout: float) -> Iterator[None]:
    """Queries inside run in one read transaction, each cut off after `timeout` seconds on PostgreSQL."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [max(1, int(timeout * 1000))])
        yield


@dataclass(frozen=True)
class OutboxState:
    # Runs not done and not failed for good, by where they are: unpublished, published (waiting), started.
    pending: dict[str, int]
    oldest_pending_age_seconds: float
    oldest_unpublished_age_seconds: float


def outbox_state(*, now: datetime.datetime | None = None) -> OutboxState:
    """The runs a worker still owes. A run that failed for good has a dead letter and is not owed."""
    now = timezone.now() if now is None else now
    owed = OutboxRun.objects.filter(done_at__isnull=True).exclude(
        Exists(DeadLetter.objects.filter(task_id=OuterRef("task_id")))
    )
    row = owed.aggregate(
        unpublished=Count("task_id", filter=Q(published_at__isnull=True)),
        started=Count("task_id", filter=Q(published_at__isnull=False, started_at__isnull=False)),
        published=Count("task_id", filter=Q(published_at__isnull=False, started_at__isnull=True)),
        oldest=Min("created_at"),
        oldest_unpublished=Min("created_at", filter=Q(published_at__isnull=True)),
    )

    def age(moment: datetime.datetime | None) -> float:
        return round(max(0.0, (now - moment).total_seconds()), 3) if moment is not None else 0.0

    return OutboxState(
        pending={state: row[state] for state in ("unpublished", "published", "started")},
        oldest_pending_age_seconds=age(row["oldest"]),
        oldest_unpublished_age_seconds=age(row["oldest_unpublished"]),
    )


@dataclass(frozen=True)
class DeadLetterCount:
    task_name: str
    total: int
    last_24h: int


def dead_letter_count_list(*, now: datetime.datetime | None = None) -> list[DeadLetterCount]:
    """Dead letters kept, by task: all of them, and those of the last 24 hours."""
    now = timezone.now() if now is None else now
    rows = (
        DeadLetter.objects.values("task_name")
        .annotate(total=Count("id"), last_24h=Count("id", filter=Q(created_at__gte=now - datetime.timedelta(days=1))))
        .order_by("task_name")
    )
    return [DeadLetterCount(task_name=row["task_name"], total=row["total"], last_24h=row["last_24h"]) for row in rows]


def email_count_by_status() -> dict[str, int]:
    """How many emails are in each status; every status is present, 0 when none.

    On PostgreSQL the sum of the changes the database's triggers recorded
    (`EmailStatusCount`): a few rows per status since the last fold, however
    many emails there are. Elsewhere (SQLite) the emails themselves are counted.
    """
    counts = dict.fromkeys(Email.Status.values, 0)
    if connection.vendor == "postgresql":
        changes = EmailStatusCount.objects.values("status").annotate(count=Sum("delta")).order_by()
        counts |= {row["status"]: int(row["count"]) for row in changes}
    else:
        emails = Email.objects.values("status").annotate(count=Count("id")).order_by()
        counts |= {row["status"]: row["count"] for row in emails}
    return counts
