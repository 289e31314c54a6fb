"""The daily deletion of accounts left unverified: thin, one run at a time, and support hears of a failure."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from styleguide_project.tasks.locks.task_lock import one_instance_skipped, task_lock
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tasks import user_unverified_delete_expired as user_unverified_delete_expired_task
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db(transaction=True)
TASK_NAME = "users.user_unverified_delete_expired"


@pytest.fixture
def expired_user(settings) -> BaseUser:
    settings.USER_UNVERIFIED_DELETE_AFTER_DAYS = 7
    user = BaseUserFactory.create(
        email="expired@example.com",
        email_verified_at=None,
        email_verification_reminded_at=timezone.now() - timedelta(days=6),
    )
    BaseUser.objects.filter(id=user.id).update(created_at=timezone.now() - timedelta(days=8))
    return user


def test_deletes_the_expired_accounts_and_sends_nothing(expired_user):
    assert user_unverified_delete_expired_task.delay().get() == 1

    assert not BaseUser.objects.exists()
    assert mail.outbox == []


def test_a_run_while_another_holds_the_lock_is_skipped(expired_user):
    lock = task_lock(key=TASK_NAME, timeout=60)
    assert lock.acquire()
    try:
        result = user_unverified_delete_expired_task.delay()
    finally:
        lock.release()

    assert result.get() == one_instance_skipped(TASK_NAME)
    assert BaseUser.objects.exists()


@pytest.mark.task_failure_expected
def test_a_failed_run_is_mailed_to_support(expired_user, monkeypatch, settings):
    settings.SUPPORT_EMAIL = "support@example.com"

    def broken(**kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr("styleguide_project.users.services.user_unverified_delete_expired", broken)

    with pytest.raises(RuntimeError):
        user_unverified_delete_expired_task.delay()

    [report] = mail.outbox
    assert report.subject == f"Task {TASK_NAME} failed: RuntimeError"
    assert BaseUser.objects.exists()
