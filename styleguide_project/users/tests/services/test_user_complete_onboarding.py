import pytest
from django.core import mail
from django.db import transaction

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.users.services import user_complete_onboarding
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_sets_onboarded_at_and_sends_the_email_after_commit(django_capture_on_commit_callbacks):
    user = BaseUserFactory.create(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = user_complete_onboarding(user=user)

    assert user.onboarded_at is not None
    [email] = Email.objects.all()
    assert (email.to, email.status) == ("ada@example.com", Email.Status.SENDING)
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    [message] = mail.outbox
    assert message.subject == "Welcome aboard, ada@example.com"


def test_completing_twice_is_an_error_and_queues_nothing_more(django_capture_on_commit_callbacks):
    user = BaseUserFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        user_complete_onboarding(user=user)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ApplicationError) as excinfo:
        user_complete_onboarding(user=user)

    assert excinfo.value.message == "Onboarding is already complete."
    assert callbacks == []
    assert Email.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_rolled_back_onboarding_sends_nothing(django_capture_on_commit_callbacks):
    user = BaseUserFactory.create()

    def onboard_then_fail() -> None:
        with transaction.atomic():
            user_complete_onboarding(user=user)
            raise RuntimeError("later failure in the same request")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        onboard_then_fail()

    assert callbacks == []
    assert mail.outbox == []
    assert Email.objects.count() == 0
    user.refresh_from_db()
    assert user.onboarded_at is None
