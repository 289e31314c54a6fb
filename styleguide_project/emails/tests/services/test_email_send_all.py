import pytest
from django.core import mail
from django.db import transaction

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_marks_ready_and_failed_emails_sending_and_queues_them_on_commit(django_capture_on_commit_callbacks):
    ready = EmailFactory.create(status=Email.Status.READY)
    failed = EmailFactory.create(status=Email.Status.FAILED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = email_send_all(emails=Email.objects.all())

    assert ids == [ready.id, failed.id]
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENDING}
    # Nothing has left before the commit.
    assert mail.outbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([ready.to, failed.to])
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}


def test_sent_and_sending_emails_are_skipped(django_capture_on_commit_callbacks):
    sent = EmailFactory.create(status=Email.Status.SENT)
    sending = EmailFactory.create(status=Email.Status.SENDING)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ids = email_send_all(emails=[sent, sending])

    assert ids == []
    assert callbacks == []
    assert mail.outbox == []


def test_rollback_enqueues_nothing(django_capture_on_commit_callbacks):
    email = EmailFactory.create(status=Email.Status.READY)

    def queue_then_fail() -> None:
        with transaction.atomic():
            email_send_all(emails=[email])
            raise RuntimeError("the request failed after queueing")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        queue_then_fail()

    assert callbacks == []
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.status == Email.Status.READY


def test_marking_is_one_update_whatever_the_count(django_assert_num_queries, django_capture_on_commit_callbacks):
    EmailFactory.create_batch(25, status=Email.Status.READY)

    # SAVEPOINT, SELECT ... FOR UPDATE, UPDATE, the outbox's one INSERT, RELEASE SAVEPOINT.
    with django_assert_num_queries(5), django_capture_on_commit_callbacks(execute=False):
        ids = email_send_all(emails=Email.objects.all())

    assert len(ids) == 25
