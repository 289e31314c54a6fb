"""The plain styleguide email path: the comparison of the email benchmarks.

- `email_send`: one transaction per email; Django's `send()` opens a new SMTP
  connection for every message.
- `email_queue`: one transaction and one `delay()` on commit per email (the
  seed's `user_complete_onboarding` pattern, applied to each email).
- The task (`bench/plain/tasks.py`) is a plain Celery task: its result is
  stored in the django-db backend.

Only the benchmarks use this module; nothing in the project imports it.
"""

import time
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from styleguide_project.common.services import model_update
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email


@transaction.atomic
def email_send(email: Email) -> Email:
    if email.status != Email.Status.SENDING:
        raise ApplicationError(f"Cannot send non-ready emails. Current status is {email.status}")

    msg = EmailMultiAlternatives(email.subject, email.plain_text, settings.DEFAULT_FROM_EMAIL, [email.to])
    msg.attach_alternative(email.html, "text/html")
    msg.send()

    email, _ = model_update(
        instance=email, fields=["status", "sent_at"], data={"status": Email.Status.SENT, "sent_at": timezone.now()}
    )
    return email


def email_queue(emails: Iterable[Email]) -> dict[int, float]:
    """Mark each email SENDING and `delay()` its task when that email's transaction commits.

    Returns when each email was queued (unix time, by email id), for the
    benchmark's per-email latency.
    """
    from bench.plain.tasks import email_send as email_send_task

    queued_at: dict[int, float] = {}
    for email in emails:
        with transaction.atomic():
            model_update(instance=email, fields=["status"], data={"status": Email.Status.SENDING})
            transaction.on_commit(partial(email_send_task.delay, email.id))
        queued_at[email.id] = time.time()
    return queued_at
