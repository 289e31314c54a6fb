"""The daily reminder to verify: thin, one run at a time, and support hears of a failure."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.tasks.locks.task_lock import one_instance_skipped, task_lock
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tasks import (
    user_email_verification_reminders_send as user_email_verification_reminders_send_task,
)
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db(transaction=True)
TASK_NAME = "users.user_email_verification_reminders_send"


@pytest.fixture
def due_user(settings) -> BaseUser:
    settings.EMAIL_VERIFICATION_REMINDER_AFTER_HOURS = 24
    user = BaseUserFactory.create(email="due@example.com", email_verified_at=None)
    BaseUser.objects.filter(id=user.id).update(created_at=timezone.now() - timedelta(hours=25))
    return user


def test_queues_the_reminders_and_they_are_sent(due_user):
    result = user_email_verification_reminders_send_task.delay()

    assert result.get() == 1
    assert Email.objects.get().status == Email.Status.SENT
    assert [message.to for message in mail.outbox] == [["due@example.com"]]
    assert mail.outbox[0].subject == "Reminder: confirm your email address"


def test_a_run_while_another_holds_the_lock_is_skipped(due_user):
    lock = task_lock(key=TASK_NAME, timeout=60)
    assert lock.acquire()
    try:
        result = user_email_verification_reminders_send_task.delay()
    finally:
        lock.release()

    assert result.get() == one_instance_skipped(TASK_NAME)
    assert Email.objects.count() == 0
    assert user_email_verification_reminders_send_task.delay().get() == 1


@pytest.mark.task_failure_expected
def test_a_failed_run_is_mailed_to_support_and_reminds_nobody(due_user, monkeypatch, settings):
    settings.SUPPORT_EMAIL = "support@example.com"

    def broken(**kwargs):
        raise RuntimeError("template engine is down")

    # Where the task looks it up; a RuntimeError is not retried.
    monkeypatch.setattr("styleguide_project.users.services.user_email_verification_reminders_send", broken)

    with pytest.raises(RuntimeError):
        user_email_verification_reminders_send_task.delay()

    [report] = mail.outbox
    assert report.to == ["support@example.com"]
    assert report.subject == f"Task {TASK_NAME} failed: RuntimeError"
    assert BaseUser.objects.get().email_verification_reminded_at is None
