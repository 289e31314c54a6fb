"""Recovering emails that nothing is delivering any more (a lost publish, a killed worker)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services.queueing import email_batches_enqueue_on_commit


@transaction.atomic
def email_recover_stranded(*, stranded_after: timedelta, limit: int) -> list[int]:
    """Enqueue again the SENDING emails that nothing is delivering any more; returns their ids.

    An email is stranded when it has been SENDING for `stranded_after` with no
    attempt and no retry due in that time: its publish was lost (broker down,
    process died after the commit) or the worker that held it was killed.
    Rows locked by a delivery in progress are skipped, and the recovered rows
    are touched, so a message still waiting in a long queue is not enqueued
    again on every run; a duplicate that still happens is harmless, because
    delivery is idempotent.
    """
    now = timezone.now()
    cutoff = now - stranded_after
    ids = list(
        Email.objects.filter(status=Email.Status.SENDING)
        .filter(Q(next_attempt_at__isnull=True, updated_at__lt=cutoff) | Q(next_attempt_at__lt=cutoff))
        .order_by("updated_at")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )
    if not ids:
        return []

    Email.objects.filter(id__in=ids).update(updated_at=now, next_attempt_at=None)
    email_batches_enqueue_on_commit(ids=ids)
    return ids
