"""Accounts left unverified are deleted, only after the reminder's link has expired unused."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import deletion, user_unverified_delete_expired
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def _registered(days_ago: float, **fields) -> BaseUser:
    user = BaseUserFactory.create(**fields)
    BaseUser.objects.filter(id=user.id).update(created_at=timezone.now() - timedelta(days=days_ago))
    return user


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.USER_UNVERIFIED_DELETE_AFTER_DAYS = 7
    settings.EMAIL_VERIFICATION_MAX_AGE_HOURS = 72


def test_only_accounts_past_both_limits_are_deleted_and_nothing_is_sent(django_capture_on_commit_callbacks):
    now = timezone.now()
    long_reminded = now - timedelta(days=6)
    expired = _registered(8, email_verified_at=None, email_verification_reminded_at=long_reminded)
    queued = EmailFactory.create(to=expired.email, status=Email.Status.SENDING)
    keep = [
        _registered(6, email_verified_at=None, email_verification_reminded_at=long_reminded),  # too recent
        _registered(8, email_verified_at=None, email_verification_reminded_at=None),  # never reminded
        _registered(30, email_verified_at=None, email_verification_reminded_at=now - timedelta(hours=10)),
        _registered(8, email_verification_reminded_at=long_reminded),  # verified
        _registered(8, email_verified_at=None, email_verification_reminded_at=long_reminded, is_staff=True),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        assert user_unverified_delete_expired(now=now) == 1

    assert set(BaseUser.objects.values_list("id", flat=True)) == {user.id for user in keep}
    queued.refresh_from_db()
    assert queued.status == Email.Status.CANCELLED
    assert mail.outbox == []


def test_works_in_batches_until_none_is_left(monkeypatch):
    monkeypatch.setattr(deletion, "UNVERIFIED_DELETE_BATCH_SIZE", 2)
    reminded = timezone.now() - timedelta(days=6)
    for _ in range(5):
        _registered(8, email_verified_at=None, email_verification_reminded_at=reminded)

    assert user_unverified_delete_expired() == 5
    assert not BaseUser.objects.exists()
