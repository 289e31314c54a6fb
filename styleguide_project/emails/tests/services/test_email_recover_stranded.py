from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services.recovery import email_recover_stranded
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db
AFTER = timedelta(minutes=2)


def make_sending(*, idle: timedelta, next_attempt_in: timedelta | None = None) -> Email:
    email = EmailFactory.create(status=Email.Status.SENDING)
    now = timezone.now()
    Email.objects.filter(id=email.id).update(
        updated_at=now - idle, next_attempt_at=now + next_attempt_in if next_attempt_in is not None else None
    )
    return email


def test_stranded_emails_are_enqueued_again_after_commit(django_capture_on_commit_callbacks):
    stranded = make_sending(idle=timedelta(minutes=5))
    recent = make_sending(idle=timedelta(seconds=30))
    retry_due_later = make_sending(idle=timedelta(minutes=5), next_attempt_in=timedelta(minutes=1))
    retry_long_overdue = make_sending(idle=timedelta(minutes=10), next_attempt_in=-timedelta(minutes=5))
    EmailFactory.create(status=Email.Status.READY)
    EmailFactory.create(status=Email.Status.FAILED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = email_recover_stranded(stranded_after=AFTER, limit=100)

    assert sorted(ids) == sorted([stranded.id, retry_long_overdue.id])
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([stranded.to, retry_long_overdue.to])
    assert Email.objects.get(id=recent.id).status == Email.Status.SENDING
    assert Email.objects.get(id=retry_due_later.id).status == Email.Status.SENDING


def test_recovered_emails_are_touched_so_the_next_run_leaves_them_alone(django_capture_on_commit_callbacks):
    make_sending(idle=timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=False):
        first = email_recover_stranded(stranded_after=AFTER, limit=100)
        second = email_recover_stranded(stranded_after=AFTER, limit=100)

    assert len(first) == 1
    assert second == []


def test_a_run_is_bounded_by_the_limit_oldest_first(django_capture_on_commit_callbacks):
    oldest = make_sending(idle=timedelta(minutes=30))
    make_sending(idle=timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=False):
        ids = email_recover_stranded(stranded_after=AFTER, limit=1)

    assert ids == [oldest.id]


def test_nothing_stranded_enqueues_nothing(django_capture_on_commit_callbacks):
    make_sending(idle=timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_recover_stranded(stranded_after=AFTER, limit=100) == []

    assert callbacks == []
