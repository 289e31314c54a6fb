import smtplib

import pytest
from django.core import mail

from styleguide_project.emails.exceptions import EmailBatchIncompleteError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services.delivery import email_message_id, email_send_batch
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


class NoSuchUser(smtplib.SMTPRecipientsRefused):
    """The server's answer to RCPT TO for a mailbox it does not have; the session goes on."""

    def __init__(self, message: str) -> None:
        super().__init__({"nobody@example.com": (550, b"5.1.1 No such user")})


def test_sends_each_sending_email_in_order_and_marks_it_sent(flaky_email):
    emails = EmailFactory.create_batch(3, status=Email.Status.SENDING)

    sent = email_send_batch(email_ids=[email.id for email in emails])

    assert sent == [email.id for email in emails]
    assert [message.to[0] for message in mail.outbox] == [email.to for email in emails]
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}
    assert set(Email.objects.values_list("attempts", flat=True)) == {1}


def test_skips_emails_that_are_gone_or_no_longer_sending(flaky_email):
    sent = EmailFactory.create(status=Email.Status.SENT)
    ready = EmailFactory.create(status=Email.Status.READY)
    sending = EmailFactory.create(status=Email.Status.SENDING)

    delivered = email_send_batch(email_ids=[sent.id, 999_999, ready.id, sending.id])

    assert delivered == [sending.id]
    assert [message.to[0] for message in mail.outbox] == [sending.to]
    ready.refresh_from_db()
    assert ready.status == Email.Status.READY


def test_a_batch_delivered_twice_sends_each_email_once(flaky_email):
    emails = EmailFactory.create_batch(2, status=Email.Status.SENDING)
    ids = [email.id for email in emails]

    first = email_send_batch(email_ids=ids)
    second = email_send_batch(email_ids=ids)

    assert first == ids
    assert second == []
    assert len(mail.outbox) == 2


def test_a_lost_connection_stops_the_batch_and_returns_what_is_left(flaky_email):
    first, second, third = EmailFactory.create_batch(3, status=Email.Status.SENDING)
    # The first message goes through, the second meets a dropped connection.
    flaky_email.delivers_first, flaky_email.failures_left = 1, 1

    with pytest.raises(EmailBatchIncompleteError) as raised:
        email_send_batch(email_ids=[first.id, second.id, third.id])

    error = "SMTPServerDisconnected: Connection unexpectedly closed"
    assert raised.value.errors == {second.id: error, third.id: error}
    assert isinstance(raised.value.__cause__, smtplib.SMTPServerDisconnected)
    # Nothing after the error was tried, and what was not sent stays SENDING.
    assert flaky_email.calls == 2
    assert [message.to[0] for message in mail.outbox] == [first.to]
    assert set(Email.objects.filter(id__in=[second.id, third.id]).values_list("status", flat=True)) == {
        Email.Status.SENDING
    }


def test_a_refused_message_does_not_stop_the_others(flaky_email):
    flaky_email.error, flaky_email.failures_left = NoSuchUser, 1
    refused, fine = EmailFactory.create_batch(2, status=Email.Status.SENDING)

    with pytest.raises(EmailBatchIncompleteError) as raised:
        email_send_batch(email_ids=[refused.id, fine.id])

    assert list(raised.value.errors) == [refused.id]
    assert raised.value.errors[refused.id].startswith("NoSuchUser: {'nobody@example.com': (550")
    assert [message.to[0] for message in mail.outbox] == [fine.to]
    fine.refresh_from_db()
    assert fine.status == Email.Status.SENT


def test_any_other_error_fails_only_its_own_email(flaky_email):
    flaky_email.error, flaky_email.failures_left = ValueError, 1
    broken, fine = EmailFactory.create_batch(2, status=Email.Status.SENDING)

    sent = email_send_batch(email_ids=[broken.id, fine.id])

    assert sent == [fine.id]
    broken.refresh_from_db()
    assert broken.status == Email.Status.FAILED
    assert broken.last_error == "ValueError: Connection unexpectedly closed"
    assert [message.to[0] for message in mail.outbox] == [fine.to]


def test_the_emails_own_headers_go_with_the_message_and_the_message_id_stays_the_deliverys(flaky_email):
    headers = {"List-Unsubscribe": "<https://api.example.com/u/1:sig/>", "List-Unsubscribe-Post": "One-Click"}
    email = EmailFactory.create(status=Email.Status.SENDING, headers=headers)
    plain = EmailFactory.create(status=Email.Status.SENDING)

    email_send_batch(email_ids=[email.id, plain.id])

    with_headers, without = (message.message() for message in mail.outbox)
    assert with_headers["List-Unsubscribe"] == "<https://api.example.com/u/1:sig/>"
    assert with_headers["List-Unsubscribe-Post"] == "One-Click"
    assert with_headers["Message-ID"] == email_message_id(email=email)
    assert without["List-Unsubscribe"] is None
