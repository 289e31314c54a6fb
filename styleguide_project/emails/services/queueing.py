"""Queueing emails for delivery: SENDING rows, published in batches once the transaction commits."""

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit

# Statuses from which `email_send_all` may (re)queue an email.
SENDABLE_STATUSES = (Email.Status.READY, Email.Status.FAILED)


@transaction.atomic
def email_send_all(*, emails: QuerySet[Email] | Iterable[Email], queue: str | None = None) -> list[int]:
    """Mark every READY or FAILED email among `emails` SENDING and enqueue their delivery on commit.

    Emails in other statuses are skipped (SENT is done, SENDING is already on
    its way). Returns the ids that were queued. One UPDATE marks them all, and
    they are published as `emails.email_send_batch` runs of
    `EMAIL_SEND_BATCH_SIZE` emails each, through one producer.

    `queue` is the Celery queue of the deliveries; by default bulk emails (a
    campaign's) go to the bulk queue and every other email (the ones a person
    is waiting for) to the transactional one, so a campaign never delays them.
    """
    queryset = emails if isinstance(emails, QuerySet) else Email.objects.filter(id__in=[e.id for e in emails])
    rows = list(
        queryset.filter(status__in=SENDABLE_STATUSES).select_for_update().order_by("id").values_list("id", "bulk")
    )
    if not rows:
        return []

    ids = [pk for pk, _ in rows]
    Email.objects.filter(id__in=ids).update(status=Email.Status.SENDING, updated_at=timezone.now())
    if queue is not None:
        email_batches_enqueue_on_commit(ids=ids, queue=queue)
    else:
        for workload_queue, workload_ids in _email_ids_by_queue(rows=rows).items():
            email_batches_enqueue_on_commit(ids=workload_ids, queue=workload_queue)
    return ids


def email_batches_enqueue_on_commit(*, ids: list[int], queue: str) -> None:
    """Enqueue `emails.email_send_batch` for these SENDING emails on commit, `EMAIL_SEND_BATCH_SIZE` a run."""
    size = max(1, settings.EMAIL_SEND_BATCH_SIZE)
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    # The outbox row keeps the queue, so a run the relay publishes (the fast
    # path missed it) goes where the fast path would have sent it.
    task_enqueue_on_commit(
        task=email_send_batch_task, kwargs_list=[{"email_ids": batch} for batch in batches], queue=queue
    )


def email_queue_for(*, bulk: bool) -> str:
    """The Celery queue of an email's delivery: a campaign's to bulk, one a person waits for to transactional."""
    return settings.TASK_QUEUE_BULK if bulk else settings.TASK_QUEUE_TRANSACTIONAL


def _email_ids_by_queue(*, rows: Sequence[tuple[int, bool]]) -> dict[str, list[int]]:
    by_queue: dict[str, list[int]] = {}
    for pk, bulk in rows:
        by_queue.setdefault(email_queue_for(bulk=bulk), []).append(pk)
    return by_queue


@transaction.atomic
def email_retry(*, email: Email) -> Email:
    """A FAILED email goes back to SENDING and is delivered again (a batch of one) after the commit."""
    email = Email.objects.select_for_update().get(id=email.id)
    if email.status != Email.Status.FAILED:
        raise ApplicationError(f"Only FAILED emails can be retried; this one is {email.status}.")

    email_send_all(emails=[email])
    email.refresh_from_db()
    return email
