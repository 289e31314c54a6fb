import logging
import smtplib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from styleguide_project.common.services import model_update
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.connection import email_connection_send
from styleguide_project.emails.models import Email, EmailCampaign
from styleguide_project.emails.selectors import email_campaign_recipients, email_failed_list
from styleguide_project.emails.tasks import email_campaign_send as email_campaign_send_task
from styleguide_project.emails.tasks import email_send as email_send_task
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.task_progress.services import task_enqueue_for_user
from styleguide_project.tasks.services import task_enqueue_on_commit

if TYPE_CHECKING:
    from styleguide_project.users.models import BaseUser

logger = logging.getLogger(__name__)

# Called with (current, total, description) as work advances; a task passes
# celery-progress's `ProgressRecorder(self).set_progress`.
ProgressCallback = Callable[[int, int, str], object]

# Errors of a delivery that may heal by themselves: the SMTP server or the
# network, or the database connection. Anything else is a bug or bad data,
# and retrying it would only delay the failure.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError, OperationalError, InterfaceError)
# Among those, the SMTP server's refusal of one message (its sender, its
# recipients or its data): the connection is fine and the next message may go through.
MESSAGE_REFUSED_ERRORS = (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)

# Statuses from which `email_send_all` may (re)queue an email.
SENDABLE_STATUSES = (Email.Status.READY, Email.Status.FAILED)
# The failed-emails summary lists this many; it counts the rest.
FAILED_SUMMARY_LIMIT = 50


def email_create(*, to: str, subject: str, html: str, plain_text: str, campaign: EmailCampaign | None = None) -> Email:
    email = Email(
        to=to, subject=subject, html=html, plain_text=plain_text, status=Email.Status.READY, campaign=campaign
    )
    email.full_clean()
    email.save()
    return email


def email_create_from_template(
    *, to: str, template: str, context: dict[str, Any], campaign: EmailCampaign | None = None
) -> Email:
    """Render `emails/<template>/{subject.txt,body.html,body.txt}` into a READY email."""
    subject = render_to_string(f"emails/{template}/subject.txt", context).strip()
    html = render_to_string(f"emails/{template}/body.html", context)
    plain_text = render_to_string(f"emails/{template}/body.txt", context)
    return email_create(to=to, subject=subject, html=html, plain_text=plain_text, campaign=campaign)


def email_message_id(*, email: Email) -> str:
    """The Message-ID of `email`: the same on every delivery, so a receiver can drop a duplicate."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<email-{email.id}@{domain}>"


@transaction.atomic
def email_send(*, email: Email) -> Email:
    """Deliver a SENDING email through Django's email backend and mark it SENT.

    Idempotent, as each email of `email_send_batch`: the UPDATE that marks it
    SENT matches only a SENDING row and holds the row's lock while the SMTP
    server answers, in one transaction. A failed send rolls the mark back; a
    second delivery of the same task (a redelivered message, a recovery run)
    waits for the lock, finds it SENT and raises ApplicationError. The lock
    also keeps the recovery task (it skips locked rows) away from it.
    """
    if not _email_mark_sent(email_id=email.id):
        status = Email.objects.filter(id=email.id).values_list("status", flat=True).first()
        raise ApplicationError(f"Cannot send an email in status {status}; it must be SENDING.")
    email_connection_send(_email_message(email=email))
    email.refresh_from_db()
    return email


def _email_message(*, email: Email) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.plain_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email_message_id(email=email)},
    )
    message.attach_alternative(email.html, "text/html")
    return message


@dataclass(frozen=True)
class EmailBatchResult:
    sent: list[int] = field(default_factory=list)
    # Failed for good (bad data or a bug, not the network): marked FAILED.
    failed: list[int] = field(default_factory=list)
    # Not sent because of a transient error, in batch order: id -> the error.
    # The caller retries them.
    retry: dict[int, str] = field(default_factory=dict)
    # The last transient error, if any.
    error: Exception | None = None


def email_send_batch(*, email_ids: Sequence[int]) -> EmailBatchResult:
    """Deliver the SENDING emails among `email_ids` in order, each in its own transaction, over one SMTP session.

    One query reads the batch. Then each email is marked SENT by an UPDATE
    that matches only a SENDING row, and sent while that UPDATE holds the
    row's lock, in one transaction: a failed send rolls the mark back, and a
    second delivery of the same email waits for the lock, then matches
    nothing and skips it. So a batch delivered twice sends each email once
    and a batch cut short keeps what it sent, with one statement and one
    commit per email. Emails that are gone or no longer SENDING are skipped.

    Transient errors (`TRANSIENT_EMAIL_ERRORS`) leave the email SENDING and
    listed in `retry` with its error. A refusal of one message (a 4xx/5xx
    answer to its sender, recipients or data) does not stop the others; a
    lost connection to the SMTP server or the database does, since the rest
    would fail alike: they are listed in `retry` with that error, untried.
    Any other error fails only its own email, which is marked FAILED.
    """
    sent: list[int] = []
    failed: list[int] = []
    retry: dict[int, str] = {}
    error: Exception | None = None
    try:
        emails = Email.objects.filter(status=Email.Status.SENDING).in_bulk(list(email_ids))
    except TRANSIENT_EMAIL_ERRORS as exc:
        return EmailBatchResult(retry=dict.fromkeys(email_ids, _describe(exc)), error=exc)
    for index, email_id in enumerate(email_ids):
        email = emails.get(email_id)
        if email is None:
            continue
        try:
            with transaction.atomic():
                if not _email_mark_sent(email_id=email_id):
                    continue
                email_connection_send(_email_message(email=email))
        except MESSAGE_REFUSED_ERRORS as exc:
            retry[email_id], error = _describe(exc), exc
            continue
        except TRANSIENT_EMAIL_ERRORS as exc:
            error = exc
            retry |= dict.fromkeys(email_ids[index:], _describe(exc))
            break
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # one bad email must not hold back the others; it is recorded
            logger.exception("Email %s failed for good in a batch", email_id)
            if email_batch_failed(errors={email_id: _describe(exc)}):
                failed.append(email_id)
            continue
        sent.append(email_id)
    return EmailBatchResult(sent=sent, failed=failed, retry=retry, error=error)


def _email_mark_sent(*, email_id: int) -> bool:
    """Mark the email SENT if it is SENDING; the row stays locked until the caller's transaction ends."""
    now = timezone.now()
    marked = Email.objects.filter(id=email_id, status=Email.Status.SENDING).update(
        status=Email.Status.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        next_attempt_at=None,
        updated_at=now,
    )
    return marked == 1


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@transaction.atomic
def email_batch_attempt_failed(*, errors: Mapping[int, str], retry_in_seconds: float) -> int:
    """Record a failed attempt, with its error, on each SENDING email of `errors` (id -> error), retried later.

    The retry's due time keeps the recovery of stranded emails away from them
    until then. One UPDATE per distinct error; returns how many rows changed.
    """
    now = timezone.now()
    updated = 0
    for error, ids in _ids_by_error(errors).items():
        updated += Email.objects.filter(id__in=ids, status=Email.Status.SENDING).update(
            attempts=F("attempts") + 1,
            last_error=error,
            next_attempt_at=now + timedelta(seconds=retry_in_seconds),
            updated_at=now,
        )
    return updated


@transaction.atomic
def email_batch_failed(*, errors: Mapping[int, str]) -> list[int]:
    """Each SENDING email of `errors` (id -> error) fails for good after a last attempt; returns their ids."""
    now = timezone.now()
    failed: list[int] = []
    for error, ids in _ids_by_error(errors).items():
        sending = list(
            Email.objects.filter(id__in=ids, status=Email.Status.SENDING)
            .select_for_update()
            .values_list("id", flat=True)
        )
        Email.objects.filter(id__in=sending).update(
            status=Email.Status.FAILED,
            attempts=F("attempts") + 1,
            last_error=error,
            next_attempt_at=None,
            updated_at=now,
        )
        failed += sending
    return sorted(failed)


def _ids_by_error(errors: Mapping[int, str]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for email_id, error in errors.items():
        grouped.setdefault(error, []).append(email_id)
    return grouped


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
    _email_enqueue_batches(ids=ids)
    return ids


def _email_enqueue_batches(*, ids: list[int]) -> None:
    """Enqueue `emails.email_send_batch` on commit, one run per `EMAIL_SEND_BATCH_SIZE` emails."""
    size = max(1, settings.EMAIL_SEND_BATCH_SIZE)
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    task_enqueue_on_commit(task=email_send_batch_task, kwargs_list=[{"email_ids": batch} for batch in batches])


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
    _email_enqueue_batches(ids=ids)
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
    start = datetime.combine(day, clock_time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), clock_time.min, tzinfo=zone)
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


# --- Campaigns: one message to every onboarded user, created and queued by a task ---

# Statuses from which a campaign may be (re)sent.
CAMPAIGN_SENDABLE_STATUSES = (EmailCampaign.Status.DRAFT, EmailCampaign.Status.FAILED)


@transaction.atomic
def email_campaign_create(*, created_by: "BaseUser | None", subject: str, plain_text: str) -> EmailCampaign:
    campaign = EmailCampaign(subject=subject, plain_text=plain_text, created_by=created_by)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def email_campaign_queue(*, campaign: EmailCampaign, user: "BaseUser") -> EmailCampaign:
    """Queue the sending of a DRAFT or FAILED campaign; `user` may watch it at `task:progress` (`campaign.task_id`).

    A FAILED campaign carries on where it stopped: users who already have its
    email are skipped.
    """
    # The row lock makes two concurrent calls queue one run, not two.
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status not in CAMPAIGN_SENDABLE_STATUSES:
        raise ApplicationError(
            f"This campaign is {campaign.status}; only a draft or a failed campaign can be sent.",
            extra={"status": campaign.status},
        )
    task_id = task_enqueue_for_user(task=email_campaign_send_task, kwargs={"campaign_id": campaign.id}, user=user)
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "task_id", "last_error", "finished_at"],
        data={"status": EmailCampaign.Status.SENDING, "task_id": task_id, "last_error": "", "finished_at": None},
    )
    return campaign


@transaction.atomic
def email_campaign_launch(*, created_by: "BaseUser", subject: str, plain_text: str) -> EmailCampaign:
    """Create a campaign and queue it at once; its progress page is `task:progress` with `campaign.task_id`."""
    campaign = email_campaign_create(created_by=created_by, subject=subject, plain_text=plain_text)
    return email_campaign_queue(campaign=campaign, user=created_by)


def email_campaign_send(*, campaign: EmailCampaign, on_progress: ProgressCallback | None = None) -> EmailCampaign:
    """Create and queue the campaign's email to every user it still has to reach, a chunk at a time.

    Deliberately not one transaction. Each chunk of `EMAIL_CAMPAIGN_CHUNK_SIZE`
    users is its own transaction, and `on_progress` is called between chunks,
    outside any transaction:
    - the django-db result backend writes progress through this same database
      connection, so progress written inside a transaction would stay
      invisible to the progress page until the commit, and the bar would jump
      from 0 to done (czue/celery-progress#55);
    - each chunk's emails are queued as soon as it commits, not at the end;
    - a failure keeps the chunks already done, and sending the campaign again
      skips the users who already have its email.

    `EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS` between chunks bounds the rate at
    which emails reach the workers and the SMTP relay.
    """
    report = on_progress or (lambda current, total, description: None)
    chunk_size = max(1, settings.EMAIL_CAMPAIGN_CHUNK_SIZE)
    pause = settings.EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS

    recipient_ids = list(email_campaign_recipients(campaign=campaign).values_list("id", flat=True))
    done = Email.objects.filter(campaign=campaign).count()
    total = done + len(recipient_ids)
    report(done, total, f"Starting: {len(recipient_ids)} users to email")

    for start in range(0, len(recipient_ids), chunk_size):
        if start and pause:
            time.sleep(pause)
        queued = _email_campaign_send_chunk(campaign=campaign, user_ids=recipient_ids[start : start + chunk_size])
        if queued is None:
            logger.info("Campaign %s is no longer SENDING; stopped after %d of %d emails.", campaign.id, done, total)
            break
        done += queued
        report(done, total, f"Queued {done} of {total} emails")

    return _email_campaign_done(campaign=campaign)


@transaction.atomic
def _email_campaign_send_chunk(*, campaign: EmailCampaign, user_ids: list[int]) -> int | None:
    """Create and queue (on commit) the emails of these users; None if the campaign is no longer SENDING."""
    # The lock makes two runs of one campaign (a redelivered message) take
    # turns chunk by chunk, and the recipients query then skips whoever the
    # other run emailed: nobody gets the campaign twice.
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status != EmailCampaign.Status.SENDING:
        return None
    users = email_campaign_recipients(campaign=campaign).filter(id__in=user_ids)
    emails = [
        email_create_from_template(
            to=user.email, template="campaign", context={"campaign": campaign, "user": user}, campaign=campaign
        )
        for user in users
    ]
    email_send_all(emails=emails)
    return len(emails)


@transaction.atomic
def _email_campaign_done(*, campaign: EmailCampaign) -> EmailCampaign:
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status != EmailCampaign.Status.SENDING:
        return campaign
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "finished_at"],
        data={"status": EmailCampaign.Status.DONE, "finished_at": timezone.now()},
    )
    return campaign


@transaction.atomic
def email_campaign_failed(*, campaign: EmailCampaign, error: str) -> EmailCampaign:
    """A SENDING campaign whose task failed becomes FAILED, keeping the error; it can be sent again."""
    campaign = EmailCampaign.objects.select_for_update().get(id=campaign.id)
    if campaign.status != EmailCampaign.Status.SENDING:
        return campaign
    campaign, _ = model_update(
        instance=campaign,
        fields=["status", "last_error"],
        data={"status": EmailCampaign.Status.FAILED, "last_error": error},
    )
    return campaign
