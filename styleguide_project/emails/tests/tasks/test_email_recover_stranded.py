from datetime import timedelta

import pytest
import redis
from django.core import mail
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_recover_stranded as email_recover_stranded_task
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.locks.services import task_lock_free
from styleguide_project.tasks.locks.task_lock import one_instance_skipped, task_lock
from testing.brokers import celery_app_on_broker

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


@pytest.mark.integration
def test_nothing_is_enqueued_again_while_deliveries_wait_in_the_queue(settings, broker_url):
    settings.EMAIL_STRANDED_AFTER_SECONDS = 60
    email = EmailFactory.create(status=Email.Status.SENDING)
    Email.objects.filter(id=email.id).update(updated_at=timezone.now() - timedelta(minutes=5))

    with celery_app_on_broker(celery_app, broker_url):
        # Its delivery is still queued behind others, on a real broker with no worker.
        email_send_batch_task.apply_async(kwargs={"email_ids": [email.id]})
        result = email_recover_stranded_task.apply()
        queue = celery_app.amqp.router.route({}, email_send_batch_task.name)["queue"].name
        waiting_after = redis.Redis.from_url(broker_url).llen(queue)

    assert result.result == 0
    assert waiting_after == 1
    email.refresh_from_db()
    assert email.updated_at < timezone.now() - timedelta(minutes=4)
