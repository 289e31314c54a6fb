"""Cancelling emails that must never leave: those of a cancelled campaign, or still queued to an address whose
account is gone."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from styleguide_project.emails.models import Email

# What may still be sent one day: READY (staff may queue it), SENDING (queued,
# or waiting for a retry) and FAILED (a retry or a replay would send it again).
CANCELLABLE_STATUSES = (Email.Status.READY, Email.Status.SENDING, Email.Status.FAILED)


@transaction.atomic
def email_cancel(*, email_ids: Iterable[int] | QuerySet[Email, Any]) -> list[int]:
    """Mark every email among `email_ids` that has not been sent CANCELLED, in one UPDATE; returns their ids.

    `email_ids` may be a query of ids (`.values("id")`): the caller's set of
    emails is then read in the same statement that locks them.

    CANCELLED is final: `email_send_all` queues only READY and FAILED emails,
    a delivery (first run, retry, or a copy the outbox relay publishes)
    sends only SENDING ones, and a replay reopens only FAILED ones, so a
    cancelled email is never sent. An email being delivered right now holds
    its row lock until its send commits; the lock here waits for it, and an
    email that was sent meanwhile is SENT, not cancelled. So once this
    returns, no email it was given reaches the SMTP server any more.
    """
    ids = list(
        Email.objects.filter(id__in=email_ids, status__in=CANCELLABLE_STATUSES)
        .select_for_update()
        .order_by("id")
        .values_list("id", flat=True)
    )
    Email.objects.filter(id__in=ids, status__in=CANCELLABLE_STATUSES).update(
        status=Email.Status.CANCELLED, next_attempt_at=None, updated_at=timezone.now()
    )
    return ids


def email_cancel_to(*, to: str) -> list[int]:
    """Mark every email to `to` that has not been sent CANCELLED; returns their ids (see `email_cancel`)."""
    return email_cancel(email_ids=Email.objects.filter(to=to).values("id"))


@transaction.atomic
def email_anonymise_to(*, to: str, replacement: str) -> int:
    """Replace the address and erase the bodies of every email to `to` that is no longer going out; returns how many.

    Kept: the subject, status, attempts and times (what was sent when, for
    delivery records and the failed-email summaries). Gone: the address and
    the bodies and the extra headers, which held the person's links and name. Only emails that are
    SENT or CANCELLED are touched; cancel the others first.
    """
    return Email.objects.filter(to=to, status__in=(Email.Status.SENT, Email.Status.CANCELLED)).update(
        to=replacement, html="", plain_text="", headers={}, updated_at=timezone.now()
    )
