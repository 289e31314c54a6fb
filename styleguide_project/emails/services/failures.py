"""Failure bookkeeping: one place records a failed delivery attempt, retried later or final."""

from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from styleguide_project.emails.models import Email


@transaction.atomic
def email_attempts_failed(*, errors: Mapping[int, str], retry_in_seconds: float | None) -> list[int]:
    """Record a failed attempt on each SENDING email of `errors` (id -> error); returns the ids recorded.

    With `retry_in_seconds` the emails stay SENDING and are due again then (the
    retry's run is, and the outbox relay leaves it alone until that time); with None
    the attempt was the last one and they become FAILED, keeping the error.
    Emails that are gone or no longer SENDING (sent by another delivery, or
    already failed) are left alone. One UPDATE per distinct error.
    """
    now = timezone.now()
    final = retry_in_seconds is None
    changes = {
        "attempts": F("attempts") + 1,
        "updated_at": now,
        "next_attempt_at": None if final else now + timedelta(seconds=retry_in_seconds or 0),
    }
    if final:
        changes["status"] = Email.Status.FAILED
    recorded: list[int] = []
    for error, ids in _ids_by_error(errors).items():
        # Locked first: a delivery in progress holds its row until it commits.
        sending = list(
            Email.objects.filter(id__in=ids, status=Email.Status.SENDING)
            .select_for_update()
            .values_list("id", flat=True)
        )
        Email.objects.filter(id__in=sending).update(last_error=error, **changes)
        recorded += sending
    return sorted(recorded)


def _ids_by_error(errors: Mapping[int, str]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for email_id, error in errors.items():
        grouped.setdefault(error, []).append(email_id)
    return grouped


@transaction.atomic
def email_failed_reopen(*, email_ids: list[int]) -> list[int]:
    """The FAILED emails among `email_ids` go back to SENDING, without enqueueing; returns their ids.

    For a run of `emails.email_send_batch` enqueued again by its caller (the
    replay of a dead letter): the run delivers only SENDING emails. The others
    are left alone (SENT is done; SENDING is on its way; READY was never queued).
    Attempts and the last error are kept as the emails' history.
    """
    ids = list(
        Email.objects.filter(id__in=email_ids, status=Email.Status.FAILED)
        .select_for_update()
        .order_by("id")
        .values_list("id", flat=True)
    )
    now = timezone.now()
    Email.objects.filter(id__in=ids).update(status=Email.Status.SENDING, next_attempt_at=None, updated_at=now)
    return ids
