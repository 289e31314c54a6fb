"""Delivering queued emails: the one delivery path, a batch over one SMTP session."""

import logging
import smtplib
import time
from collections.abc import Sequence

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from styleguide_project.emails.connection import email_connection_send
from styleguide_project.emails.exceptions import EmailBatchIncompleteError, EmailSendRateUnavailableError
from styleguide_project.emails.models import Email
from styleguide_project.emails.pacing import email_send_rate_done, email_send_rate_take
from styleguide_project.emails.services.failures import email_attempts_failed
from styleguide_project.tasks.app.retry import DATABASE_ERRORS

logger = logging.getLogger(__name__)

# Errors of a delivery that may heal by themselves: the SMTP server or the
# network, or the database connection. Anything else is a bug or bad data,
# and retrying it would only delay the failure.
TRANSIENT_EMAIL_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError, *DATABASE_ERRORS)
# Among those, the SMTP server's refusal of one message (its sender, its
# recipients or its data): the connection is fine and the next message may go through.
MESSAGE_REFUSED_ERRORS = (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)

# Keeps this hash apart from every other use of SECRET_KEY.
MESSAGE_ID_SALT = "styleguide_project.emails.message_id"


def email_message_id(*, email: Email) -> str:
    """The Message-ID of `email`: the same on every delivery, so a receiver can drop a duplicate.

    Its left part is a keyed hash of the email's id (HMAC under SECRET_KEY),
    not the id itself: ids are sequential, and a recipient comparing two of
    them would learn how many emails the site sends. Nothing needs storing,
    and a retry computes the same value. Rotating DJANGO_SECRET_KEY changes the
    Message-ID of an email still waiting for a retry, so a receiver could not
    drop a duplicate of it across the rotation.
    """
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    digest = salted_hmac(MESSAGE_ID_SALT, str(email.pk), algorithm="sha256").hexdigest()[:32]
    return f"<{digest}@{domain}>"


def email_send_batch(*, email_ids: Sequence[int]) -> list[int]:
    """Deliver the SENDING emails among `email_ids` in order, each in its own transaction; returns the ids sent.

    One query reads the batch. Then each email is marked SENT by an UPDATE
    that matches only a SENDING row, and sent while that UPDATE holds the
    row's lock, in one transaction: a failed send rolls the mark back, and a
    second delivery of the same email waits for the lock, then matches
    nothing and skips it. So a batch delivered twice sends each email once
    and a batch cut short keeps what it sent, with one statement and one
    commit per email. Emails that are gone or no longer SENDING are skipped.

    A refusal of one message (a 4xx/5xx answer to its sender, recipients or
    data) does not stop the others; a lost connection to the SMTP server or
    the database does, since the rest would fail alike. Either way the emails
    not sent stay SENDING and `EmailBatchIncompleteError` is raised at the end
    with their errors: delivering the batch again is safe. Any other error
    fails only its own email, which is marked FAILED at once.

    Under EMAIL_SEND_RATE each email waits for its turn before its
    transaction opens, so no row is locked while it waits (emails/pacing.py).
    A Redis of the rate that stays silent stops the batch like a lost SMTP
    connection. A batch that has waited for half the task's soft time limit
    hands its unsent emails to a new run of the task on its queue and ends.
    """
    started = time.monotonic()
    try:
        emails = Email.objects.filter(status=Email.Status.SENDING).in_bulk(list(email_ids))
    except TRANSIENT_EMAIL_ERRORS as exc:
        raise EmailBatchIncompleteError(dict.fromkeys(email_ids, _describe(exc))) from exc
    sent: list[int] = []
    retry: dict[int, str] = {}
    last_error: Exception | None = None
    # The rate's turn of the email sent last.
    finished: str | None = None
    try:
        for index, email_id in enumerate(email_ids):
            email = emails.get(email_id)
            if email is None:
                continue
            if time.monotonic() - started > settings.CELERY_TASK_SOFT_TIME_LIMIT / 2:
                _email_batch_requeue(emails=[emails[later] for later in email_ids[index:] if later in emails])
                break
            try:
                turn = email_send_rate_take(bulk=email.bulk, finished=finished)
            except EmailSendRateUnavailableError as exc:
                last_error = exc
                retry |= {later: _describe(exc) for later in email_ids[index:] if later in emails}
                break
            try:
                with transaction.atomic():
                    if not _email_mark_sent(email_id=email_id):
                        continue
                    email_connection_send(_email_message(email=email))
            except MESSAGE_REFUSED_ERRORS as exc:
                retry[email_id], last_error = _describe(exc), exc
                continue
            except TRANSIENT_EMAIL_ERRORS as exc:
                last_error = exc
                retry |= {later: _describe(exc) for later in email_ids[index:] if later in emails}
                break
            except SoftTimeLimitExceeded:
                raise
            except Exception as exc:  # one bad email must not hold back the others; it is recorded
                logger.exception("Email %s failed for good in a batch", email_id)
                email_attempts_failed(errors={email_id: _describe(exc)}, retry_in_seconds=None)
                continue
            finally:
                # Its message has left (or failed): said with the next turn's request, or at the end.
                finished = turn
            sent.append(email_id)
    finally:
        email_send_rate_done(finished)
    if retry:
        raise EmailBatchIncompleteError(retry) from last_error
    return sent


def _email_batch_requeue(*, emails: list[Email]) -> None:
    """A new run of the task, on each email's own queue, delivers these SENDING emails."""
    from styleguide_project.emails.services.queueing import email_batches_enqueue_on_commit, email_queue_for

    by_queue: dict[str, list[int]] = {}
    for email in emails:
        by_queue.setdefault(email_queue_for(bulk=email.bulk), []).append(email.id)
    with transaction.atomic():
        for queue, ids in by_queue.items():
            email_batches_enqueue_on_commit(ids=ids, queue=queue)
    logger.info("A paced batch ran long: %s emails go to a new run", len(emails))


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


def _email_message(*, email: Email) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.plain_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        # The email's own headers were checked when it was created (`headers_clean`):
        # none of them is one the delivery sets.
        headers={**email.headers, "Message-ID": email_message_id(email=email)},
    )
    message.attach_alternative(email.html, "text/html")
    return message


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
