import smtplib

import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_send as email_send_task
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_sends_the_email(flaky_email, retry_countdowns):
    email = EmailFactory.create(status=Email.Status.SENDING)

    email_send_task.delay(email_id=email.id)

    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(mail.outbox) == 1
    assert retry_countdowns == []


def test_transient_smtp_error_is_retried_with_growing_countdowns(settings, flaky_email, retry_countdowns):
    settings.TASK_RETRY_BACKOFF_SECONDS = 2
    settings.TASK_MAX_RETRIES = 5
    flaky_email.failures_left = 3
    email = EmailFactory.create(status=Email.Status.SENDING)

    email_send_task.delay(email_id=email.id)

    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert email.attempts == 4
    assert len(mail.outbox) == 1
    assert len(retry_countdowns) == 3
    # Exponential with jitter: retry n waits between base*2^n/2 and base*2^n.
    for n, countdown in enumerate(retry_countdowns):
        assert 2 * 2**n / 2 <= countdown <= 2 * 2**n
    assert retry_countdowns == sorted(retry_countdowns)


def test_retries_exhausted_the_email_fails_with_the_error_kept(settings, flaky_email, retry_countdowns, task_failures):
    settings.TASK_MAX_RETRIES = 2
    flaky_email.failures_left = 100
    email = EmailFactory.create(status=Email.Status.SENDING)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        email_send_task.delay(email_id=email.id)

    email.refresh_from_db()
    assert len(retry_countdowns) == 2
    assert flaky_email.calls == 3
    # _email_send_failure ran once, for the final failure only.
    assert [type(exc) for exc in task_failures] == [smtplib.SMTPServerDisconnected]
    assert email.status == Email.Status.FAILED
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert email.attempts == 3
    assert mail.outbox == []


def test_a_bug_is_not_retried_and_fails_the_email(flaky_email, retry_countdowns, task_failures):
    flaky_email.error = ValueError
    flaky_email.failures_left = 1
    email = EmailFactory.create(status=Email.Status.SENDING)

    with pytest.raises(ValueError, match="Connection unexpectedly closed"):
        email_send_task.delay(email_id=email.id)

    email.refresh_from_db()
    assert retry_countdowns == []
    assert len(task_failures) == 1
    assert email.status == Email.Status.FAILED


def test_deleted_email_ends_quietly_without_retry(flaky_email, retry_countdowns, task_failures, caplog):
    email = EmailFactory.create(status=Email.Status.SENDING)
    email_id = email.id
    email.delete()

    email_send_task.delay(email_id=email_id)

    assert retry_countdowns == []
    assert task_failures == []
    assert flaky_email.calls == 0
    assert f"Email {email_id} no longer exists" in caplog.text


@pytest.mark.parametrize("status", [Email.Status.READY, Email.Status.SENT, Email.Status.FAILED])
def test_email_not_sending_ends_quietly_without_retry(status, flaky_email, retry_countdowns, task_failures, caplog):
    email = EmailFactory.create(status=status)

    email_send_task.delay(email_id=email.id)

    email.refresh_from_db()
    assert email.status == status
    assert retry_countdowns == []
    assert task_failures == []
    assert flaky_email.calls == 0
    assert f"is {status}, not SENDING" in caplog.text


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        email_send_task.delay(1)
