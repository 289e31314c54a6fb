"""The daily summary of the emails that failed for good, mailed to support."""

from datetime import date, datetime, timedelta
from datetime import time as clock_time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_failed_list
from styleguide_project.emails.services.creation import email_create_from_template
from styleguide_project.emails.services.queueing import email_send_all

# The failed-emails summary lists this many; it counts the rest.
FAILED_SUMMARY_LIMIT = 50


@transaction.atomic
def email_failed_summary_send(*, day: date) -> Email | None:
    """Mail `SUPPORT_EMAIL` a summary of the emails that failed for good on `day`, a calendar day in TIME_ZONE.

    A calendar day, not "the last 24 hours": consecutive daily runs cover every
    failure exactly once, also across daylight saving changes (a 23- or
    25-hour day) and when a run starts late. Nothing is sent for a day without
    failures. One transaction creates the summary and queues it (its outbox
    run): a failure in between leaves neither. The summary is an ordinary
    email, queued with `email_send_all` and delivered like any other; it is
    returned.
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
