from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from styleguide_project.common.services import model_update
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_failed_list
from styleguide_project.emails.tasks import email_send as email_send_task
from styleguide_project.tasks.services import task_enqueue_on_commit

# Statuses from which `email_send_all` may (re)queue an email.
SENDABLE_STATUSES = (Email.Status.READY, Email.Status.FAILED)
# The failed-emails summary lists this many; it counts the rest.
FAILED_SUMMARY_LIMIT = 50


def email_create(*, to: str, subject: str, html: str, plain_text: str) -> Email:
    email = Email(to=to, subject=subject, html=html, plain_text=plain_text, status=Email.Status.READY)
    email.full_clean()
    email.save()
    return email


def email_create_from_template(*, to: str, template: str, context: dict[str, Any]) -> Email:
    """Render `emails/<template>/{subject.txt,body.html,body.txt}` into a READY email."""
    subject = render_to_string(f"emails/{template}/subject.txt", context).strip()
    html = render_to_string(f"emails/{template}/body.html", context)
    plain_text = render_to_string(f"emails/{template}/body.txt", context)
    return email_create(to=to, subject=subject, html=html, plain_text=plain_text)


def email_message_id(*, email: Email) -> str:
    """The Message-ID of `email`: the same on every delivery, so a receiver can drop a duplicate."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<email-{email.id}@{domain}>"


@transaction.atomic
def email_send(*, email: Email) -> Email:
    """Deliver a SENDING email through Django's email backend and mark it SENT.

    Idempotent: the row is locked and its status read again inside the
    transaction, so two deliveries of the same task (a redelivered message,
    a recovery run) send it once; the second one finds it SENT and raises
    ApplicationError. The row stays locked while the SMTP server answers,
    which also keeps the recovery task (it skips locked rows) away from it.
    """
    email = Email.objects.select_for_update().get(id=email.id)
    if email.status != Email.Status.SENDING:
        raise ApplicationError(f"Cannot send an email in status {email.status}; it must be SENDING.")

    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.plain_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email_message_id(email=email)},
    )
    message.attach_alternative(email.html, "text/html")
    message.send()

    email, _ = model_update(
        instance=email,
        fields=["status", "sent_at", "attempts", "last_error", "next_attempt_at"],
        data={
            "status": Email.Status.SENT,
            "sent_at": timezone.now(),
            "attempts": email.attempts + 1,
            "last_error": "",
            "next_attempt_at": None,
        },
    )
    return email


@transaction.atomic
def email_failed(*, email: Email, error: str) -> Email:
    """A SENDING email that will not be retried any more becomes FAILED, keeping the error."""
    if email.status != Email.Status.SENDING:
        raise ApplicationError(f"Cannot fail an email in status {email.status}; it must be SENDING.")

    email, _ = model_update(
        instance=email,
        fields=["status", "attempts", "last_error", "next_attempt_at"],
        data={
            "status": Email.Status.FAILED,
            "attempts": email.attempts + 1,
            "last_error": error,
            "next_attempt_at": None,
        },
    )
    return email


@transaction.atomic
def email_attempt_failed(*, email: Email, error: str, retry_in_seconds: float) -> Email:
    """Record a failed attempt of a SENDING email whose retry is due in `retry_in_seconds`."""
    email, _ = model_update(
        instance=email,
        fields=["attempts", "last_error", "next_attempt_at"],
        data={
            "attempts": email.attempts + 1,
            "last_error": error,
            "next_attempt_at": timezone.now() + timedelta(seconds=retry_in_seconds),
        },
    )
    return email


@transaction.atomic
def email_send_all(*, emails: QuerySet[Email] | Iterable[Email]) -> list[int]:
    """Mark every READY or FAILED email among `emails` SENDING and enqueue one send each on commit.

    Emails in other statuses are skipped (SENT is done, SENDING is already on
    its way). Returns the ids that were queued.
    """
    queryset = emails if isinstance(emails, QuerySet) else Email.objects.filter(id__in=[e.id for e in emails])
    ids = list(
        queryset.filter(status__in=SENDABLE_STATUSES).select_for_update().order_by("id").values_list("id", flat=True)
    )
    if not ids:
        return []

    Email.objects.filter(id__in=ids).update(status=Email.Status.SENDING, updated_at=timezone.now())
    task_enqueue_on_commit(task=email_send_task, kwargs_list=[{"email_id": email_id} for email_id in ids])
    return ids


@transaction.atomic
def email_retry(*, email: Email) -> Email:
    """A FAILED email goes back to SENDING and is enqueued again on commit."""
    if email.status != Email.Status.FAILED:
        raise ApplicationError(f"Only FAILED emails can be retried; this one is {email.status}.")

    email, _ = model_update(instance=email, fields=["status"], data={"status": Email.Status.SENDING})
    task_enqueue_on_commit(task=email_send_task, kwargs_list=[{"email_id": email.id}])
    return email


@transaction.atomic
def email_recover_stranded(*, stranded_after: timedelta, limit: int) -> list[int]:
    """Enqueue again the SENDING emails that nothing is delivering any more; returns their ids.

    An email is stranded when it has been SENDING for `stranded_after` with no
    attempt and no retry due in that time: its publish was lost (broker down,
    process died after the commit) or the worker that held it was killed.
    Rows locked by a delivery in progress are skipped, and the recovered rows
    are touched, so a message still waiting in a long queue is not enqueued
    again on every run; a duplicate that still happens is harmless, because
    `email_send` is idempotent.
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
    task_enqueue_on_commit(task=email_send_task, kwargs_list=[{"email_id": email_id} for email_id in ids])
    return ids


def email_failed_summary_send(*, day: date) -> Email | None:
    """Mail `SUPPORT_EMAIL` a summary of the emails that failed for good on `day`, a calendar day in TIME_ZONE.

    A calendar day, not "the last 24 hours": consecutive daily runs cover every
    failure exactly once, also across daylight saving changes (a 23- or
    25-hour day) and when a run starts late. Nothing is sent for a day without
    failures. The summary is an ordinary email, queued with `email_send_all`
    and delivered by the `email_send` task with its retries; it is returned.
    """
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    failed = email_failed_list(since=start, until=end)
    count = failed.count()
    if count == 0:
        return None

    email = email_create_from_template(
        to=settings.SUPPORT_EMAIL,
        template="failed_summary",
        context={
            "day": day,
            "time_zone": str(zone),
            "count": count,
            "emails": list(failed[:FAILED_SUMMARY_LIMIT]),
            "more": max(0, count - FAILED_SUMMARY_LIMIT),
            "total": Email.objects.filter(status=Email.Status.FAILED).count(),
        },
    )
    email_send_all(emails=[email])
    email.refresh_from_db()
    return email
