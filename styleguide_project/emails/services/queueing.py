"""Queueing emails for delivery: SENDING rows, published in batches once the transaction commits."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.tasks.services import task_enqueue_on_commit

# Statuses from which `email_send_all` may (re)queue an email.
SENDABLE_STATUSES = (Email.Status.READY, Email.Status.FAILED)


@transaction.atomic
def email_send_all(*, emails: QuerySet[Email] | Iterable[Email]) -> list[int]:
    """Mark every READY or FAILED email among `emails` SENDING and enqueue their delivery on commit.

    Emails in other statuses are skipped (SENT is done, SENDING is already on
    its way). Returns the ids that were queued. One UPDATE marks them all, and
    they are published as `emails.email_send_batch` runs of
    `EMAIL_SEND_BATCH_SIZE` emails each, through one producer.
    """
    queryset = emails if isinstance(emails, QuerySet) else Email.objects.filter(id__in=[e.id for e in emails])
    ids = list(
        queryset.filter(status__in=SENDABLE_STATUSES).select_for_update().order_by("id").values_list("id", flat=True)
    )
    if not ids:
        return []

    Email.objects.filter(id__in=ids).update(status=Email.Status.SENDING, updated_at=timezone.now())
    email_batches_enqueue_on_commit(ids=ids)
    return ids


def email_batches_enqueue_on_commit(*, ids: list[int]) -> None:
    """Enqueue `emails.email_send_batch` for these SENDING emails on commit, `EMAIL_SEND_BATCH_SIZE` a run."""
    size = max(1, settings.EMAIL_SEND_BATCH_SIZE)
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    task_enqueue_on_commit(task=email_send_batch_task, kwargs_list=[{"email_ids": batch} for batch in batches])


@transaction.atomic
def email_retry(*, email: Email) -> Email:
    """A FAILED email goes back to SENDING and is delivered again (a batch of one) after the commit."""
    email = Email.objects.select_for_update().get(id=email.id)
    if email.status != Email.Status.FAILED:
        raise ApplicationError(f"Only FAILED emails can be retried; this one is {email.status}.")

    email_send_all(emails=[email])
    email.refresh_from_db()
    return email
