import pytest
from django.core import mail

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.users.services import user_email_verification_resend
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_sends_a_new_link_after_commit(django_capture_on_commit_callbacks, settings):
    settings.EMAIL_VERIFICATION_URL = ""
    user = BaseUserFactory.create(email="ada@example.com", email_verified_at=None)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = user_email_verification_resend(user=user)

    assert len(callbacks) == 1
    assert email.subject == "Confirm your email address"
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    # Without EMAIL_VERIFICATION_URL the email gives the token to paste.
    assert "enter this code" in message.body
    assert "https://" not in message.body


def test_a_verified_address_gets_nothing():
    user = BaseUserFactory.create()

    with pytest.raises(ApplicationError) as excinfo:
        user_email_verification_resend(user=user)

    assert excinfo.value.message == "This email address is already verified."
    assert Email.objects.count() == 0
