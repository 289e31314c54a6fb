import pytest

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_failed
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_sending_email_becomes_failed_with_the_error():
    email = EmailFactory.create(status=Email.Status.SENDING, attempts=2)

    email_failed(email=email, error="SMTPServerDisconnected: gone")

    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert email.last_error == "SMTPServerDisconnected: gone"
    assert email.attempts == 3


@pytest.mark.parametrize("status", [Email.Status.READY, Email.Status.SENT, Email.Status.FAILED])
def test_only_a_sending_email_can_fail(status):
    email = EmailFactory.create(status=status)

    with pytest.raises(ApplicationError):
        email_failed(email=email, error="x")

    email.refresh_from_db()
    assert email.status == status
