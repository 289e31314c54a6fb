from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services.failures import email_attempts_failed
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_an_attempt_to_retry_records_each_error_and_when_the_retry_is_due():
    refused, untried = EmailFactory.create_batch(2, status=Email.Status.SENDING, attempts=1)
    sent = EmailFactory.create(status=Email.Status.SENT)
    before = timezone.now()

    recorded = email_attempts_failed(
        errors={refused.id: "SMTPDataError: (451, 'later')", untried.id: "SMTPServerDisconnected: gone", sent.id: "x"},
        retry_in_seconds=40,
    )

    assert recorded == sorted([refused.id, untried.id])
    for email in (refused, untried, sent):
        email.refresh_from_db()
    assert (refused.status, refused.attempts, refused.last_error) == (
        Email.Status.SENDING,
        2,
        "SMTPDataError: (451, 'later')",
    )
    assert (untried.attempts, untried.last_error) == (2, "SMTPServerDisconnected: gone")
    assert refused.next_attempt_at is not None
    assert before + timedelta(seconds=40) <= refused.next_attempt_at <= timezone.now() + timedelta(seconds=40)
    assert (sent.status, sent.attempts, sent.next_attempt_at) == (Email.Status.SENT, 0, None)


def test_the_final_attempt_fails_only_sending_emails_with_their_own_errors():
    first, second = EmailFactory.create_batch(2, status=Email.Status.SENDING, attempts=2)
    sent = EmailFactory.create(status=Email.Status.SENT)
    ready = EmailFactory.create(status=Email.Status.READY)

    failed = email_attempts_failed(
        errors={first.id: "error one", second.id: "error two", sent.id: "error three", ready.id: "x", 999_999: "y"},
        retry_in_seconds=None,
    )

    assert failed == [first.id, second.id]
    for email in (first, second, sent, ready):
        email.refresh_from_db()
    assert (first.status, first.attempts, first.last_error, first.next_attempt_at) == (
        Email.Status.FAILED,
        3,
        "error one",
        None,
    )
    assert (second.status, second.attempts, second.last_error) == (Email.Status.FAILED, 3, "error two")
    assert sent.status == Email.Status.SENT
    assert ready.status == Email.Status.READY


def test_one_email_is_a_batch_of_one():
    email = EmailFactory.create(status=Email.Status.SENDING)

    assert email_attempts_failed(errors={email.id: "gone"}, retry_in_seconds=None) == [email.id]

    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
