import pytest
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services.failures import email_failed_reopen
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_failed_emails_go_back_to_sending_keeping_their_history_and_the_others_are_left_alone():
    failed = EmailFactory.create(
        status=Email.Status.FAILED, attempts=3, last_error="SMTPServerDisconnected: gone", next_attempt_at=None
    )
    others = {status: EmailFactory.create(status=status) for status in (Email.Status.READY, Email.Status.SENT)}
    outside = EmailFactory.create(status=Email.Status.FAILED)
    before = timezone.now()

    reopened = email_failed_reopen(email_ids=[failed.id, *(email.id for email in others.values()), 987654])

    assert reopened == [failed.id]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (
        Email.Status.SENDING,
        3,
        "SMTPServerDisconnected: gone",
    )
    # Touched: the email's last change is its reopening.
    assert failed.updated_at >= before
    for status, email in others.items():
        email.refresh_from_db()
        assert email.status == status
    outside.refresh_from_db()
    assert outside.status == Email.Status.FAILED
