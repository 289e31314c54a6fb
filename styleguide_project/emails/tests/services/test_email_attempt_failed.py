from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_attempt_failed
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_records_the_attempt_the_error_and_when_the_retry_is_due():
    email = EmailFactory.create(status=Email.Status.SENDING, attempts=1)
    before = timezone.now()

    email = email_attempt_failed(email=email, error="SMTPServerDisconnected: gone", retry_in_seconds=40)

    email.refresh_from_db()
    assert email.status == Email.Status.SENDING
    assert email.attempts == 2
    assert email.last_error == "SMTPServerDisconnected: gone"
    assert email.next_attempt_at is not None
    assert before + timedelta(seconds=40) <= email.next_attempt_at <= timezone.now() + timedelta(seconds=40)
