from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_recover_stranded as email_recover_stranded_task
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.locks import one_instance_skipped, task_lock
from styleguide_project.tasks.services import task_lock_free

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def free_lock():
    task_lock_free(key="emails.email_recover_stranded")
    yield
    task_lock_free(key="emails.email_recover_stranded")


def test_recovers_and_delivers_stranded_emails(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_STRANDED_AFTER_SECONDS = 60
    email = EmailFactory.create(status=Email.Status.SENDING)
    Email.objects.filter(id=email.id).update(updated_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        result = email_recover_stranded_task.apply()

    assert result.result == 1
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(mail.outbox) == 1


def test_an_overlapping_run_is_skipped():
    held = task_lock(key="emails.email_recover_stranded", timeout=30)
    assert held.acquire()

    result = email_recover_stranded_task.apply()

    assert result.result == one_instance_skipped("emails.email_recover_stranded")
    held.release()
