import pytest
from django.core import mail

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_retry
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_failed_email_is_sent_again_after_commit(django_capture_on_commit_callbacks):
    email = EmailFactory.create(status=Email.Status.FAILED, last_error="boom")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = email_retry(email=email)

    assert email.status == Email.Status.SENDING
    assert mail.outbox == []

    callbacks[0]()

    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert email.last_error == ""
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", [Email.Status.READY, Email.Status.SENDING, Email.Status.SENT])
def test_only_failed_emails_can_be_retried(status, django_capture_on_commit_callbacks):
    email = EmailFactory.create(status=status)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ApplicationError):
        email_retry(email=email)

    assert callbacks == []
    email.refresh_from_db()
    assert email.status == status
