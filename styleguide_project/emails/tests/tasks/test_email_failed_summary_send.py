from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_failed_summary_send as email_failed_summary_send_task
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def failed_on(day):
    email = EmailFactory.create(status=Email.Status.FAILED)
    noon = datetime.combine(day, time(12), tzinfo=timezone.get_default_timezone())
    Email.objects.filter(id=email.id).update(updated_at=noon)
    return email


def test_by_default_summarises_yesterday_in_time_zone(settings, django_capture_on_commit_callbacks):
    settings.TIME_ZONE = "Europe/Amsterdam"
    yesterday = timezone.localdate() - timedelta(days=1)
    failed = failed_on(yesterday)
    failed_on(timezone.localdate())

    with django_capture_on_commit_callbacks(execute=True):
        summary_id = email_failed_summary_send_task.delay().get()

    summary = Email.objects.get(id=summary_id)
    assert summary.subject == f"1 email failed on {yesterday.isoformat()}"
    assert f"#{failed.id} to" in summary.plain_text
    assert [message.subject for message in mail.outbox] == [summary.subject]


def test_a_given_day_can_be_summarised_again(settings):
    failed_on(datetime(2025, 1, 15).date())

    summary_id = email_failed_summary_send_task.delay(day="2025-01-15").get()
    nothing = email_failed_summary_send_task.delay(day="2025-01-16").get()

    assert Email.objects.get(id=summary_id).subject == "1 email failed on 2025-01-15"
    assert nothing is None
