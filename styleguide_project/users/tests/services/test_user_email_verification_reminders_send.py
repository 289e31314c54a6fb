"""The reminder to verify: the right users, once each, with a fresh link, through the email pipeline after commit."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core import mail
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_email_verification_reminders_send, user_email_verify
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_24_hours(settings):
    settings.EMAIL_VERIFICATION_REMINDER_AFTER_HOURS = 24
    settings.EMAIL_VERIFICATION_URL = "https://app.example.com/verify?token={token}"


def registered(hours_ago: float, **fields) -> BaseUser:
    user = BaseUserFactory.create(**{"email_verified_at": None, **fields})
    BaseUser.objects.filter(id=user.id).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    user.refresh_from_db()
    return user


def test_reminds_only_unverified_users_past_the_delay_once(django_capture_on_commit_callbacks):
    # given
    due = registered(25, email="due@example.com")
    registered(23, email="too-recent@example.com")
    registered(100, email="verified@example.com", email_verified_at=timezone.now())
    registered(100, email="reminded@example.com", email_verification_reminded_at=timezone.now())
    registered(100, email="inactive@example.com", is_active=False)
    registered(100, email="staff@example.com", is_staff=True)
    now = timezone.now()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        reminded = user_email_verification_reminders_send(now=now)
        again = user_email_verification_reminders_send(now=now + timedelta(minutes=1))

    # then
    assert (reminded, again) == (1, 0)
    due.refresh_from_db()
    assert due.email_verification_reminded_at == now
    [email] = Email.objects.all()
    assert (email.to, email.subject, email.status) == (
        "due@example.com",
        "Reminder: confirm your email address",
        Email.Status.SENT,
    )
    [message] = mail.outbox
    assert message.to == ["due@example.com"]


def test_the_reminders_link_verifies_the_address(django_capture_on_commit_callbacks):
    due = registered(25, email="due@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        user_email_verification_reminders_send()

    [token] = [line.split("token=", 1)[1] for line in mail.outbox[0].body.splitlines() if line.startswith("https://")]
    assert user_email_verify(user=due, token=unquote(token)).email_verified_at is not None


def test_nothing_due_sends_nothing():
    assert user_email_verification_reminders_send() == 0
    assert Email.objects.count() == 0
