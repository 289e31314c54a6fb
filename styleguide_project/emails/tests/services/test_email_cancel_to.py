"""Cancelling an address's unsent emails: CANCELLED is final for every path that sends."""

import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_anonymise_to, email_cancel_to, email_retry, email_send_all
from styleguide_project.emails.services.delivery import email_send_batch
from styleguide_project.emails.services.failures import email_attempts_failed, email_failed_reopen
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db

ADDRESS = "gone@example.com"


def test_unsent_emails_to_the_address_are_cancelled_and_others_left_alone():
    unsent = [EmailFactory.create(to=ADDRESS, status=status) for status in ("READY", "SENDING", "FAILED")]
    sent = EmailFactory.create(to=ADDRESS, status=Email.Status.SENT)
    other = EmailFactory.create(to="other@example.com", status=Email.Status.SENDING)

    cancelled = email_cancel_to(to=ADDRESS)

    assert cancelled == [email.id for email in unsent]
    assert set(Email.objects.filter(to=ADDRESS).values_list("status", flat=True)) == {"CANCELLED", "SENT"}
    sent.refresh_from_db()
    other.refresh_from_db()
    assert (sent.status, other.status) == (Email.Status.SENT, Email.Status.SENDING)


def test_no_path_sends_a_cancelled_email(django_capture_on_commit_callbacks):
    email = EmailFactory.create(to=ADDRESS, status=Email.Status.SENDING)
    email_cancel_to(to=ADDRESS)

    # A delivery already queued (or a copy the relay publishes), queueing again, a retry, a replay, a recorded failure.
    assert email_send_batch(email_ids=[email.id]) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert email_send_all(emails=[email]) == []
    assert email_failed_reopen(email_ids=[email.id]) == []
    assert email_attempts_failed(errors={email.id: "boom"}, retry_in_seconds=None) == []
    with pytest.raises(Exception, match="Only FAILED emails can be retried"):
        email_retry(email=email)

    email.refresh_from_db()
    assert email.status == Email.Status.CANCELLED
    assert mail.outbox == []


def test_anonymising_keeps_the_record_without_the_address_or_bodies():
    sent = EmailFactory.create(
        to=ADDRESS, status=Email.Status.SENT, subject="Welcome", headers={"List-Unsubscribe": "<https://x/u/1:s/>"}
    )
    cancelled = EmailFactory.create(to=ADDRESS, status=Email.Status.CANCELLED)
    queued = EmailFactory.create(to=ADDRESS, status=Email.Status.SENDING)

    assert email_anonymise_to(to=ADDRESS, replacement="deleted-user-1@deleted.invalid") == 2

    for email in (sent, cancelled, queued):
        email.refresh_from_db()
    assert (sent.to, sent.subject, sent.html, sent.plain_text) == ("deleted-user-1@deleted.invalid", "Welcome", "", "")
    # The headers held the person's own link too.
    assert sent.headers == {}
    assert cancelled.to == "deleted-user-1@deleted.invalid"
    # Still on its way: not the anonymiser's to touch (cancel first).
    assert queued.to == ADDRESS
