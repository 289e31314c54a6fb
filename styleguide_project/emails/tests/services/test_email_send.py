import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_sends_a_multipart_message_and_marks_it_sent(settings):
    settings.DEFAULT_FROM_EMAIL = "app@example.com"
    email = EmailFactory.create(status=Email.Status.SENDING, to="ada@example.com", subject="Hi", html="<b>Hi</b>")

    email = email_send(email=email)

    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert (message.to, message.subject, message.from_email) == (["ada@example.com"], "Hi", "app@example.com")
    assert message.body == email.plain_text
    assert message.alternatives == [("<b>Hi</b>", "text/html")]
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert email.sent_at is not None
    assert email.attempts == 1


@pytest.mark.parametrize("status", [Email.Status.READY, Email.Status.SENT, Email.Status.FAILED])
def test_only_a_sending_email_is_sent(status):
    email = EmailFactory.create(status=status)

    with pytest.raises(ApplicationError, match=f"Cannot send an email in status {status}"):
        email_send(email=email)

    assert mail.outbox == []
    email.refresh_from_db()
    assert email.status == status
