"""Which Celery queue `email_send_all` and the recovery publish each email's delivery to."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all, queueing
from styleguide_project.emails.services.recovery import email_recover_stranded
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.models import OutboxRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued() -> Callable[[], list[tuple[str, str, list[int]]]]:
    """(task name, queue, email ids) of each run in the outbox: what the fast path and the relay publish."""

    def rows() -> list[tuple[str, str, list[int]]]:
        return [
            (name, queue, kwargs["email_ids"])
            for name, queue, kwargs in OutboxRun.objects.values_list("task_name", "queue", "kwargs")
        ]

    return rows


def test_bulk_emails_go_to_bulk_and_every_other_email_to_transactional(enqueued, settings):
    settings.EMAIL_SEND_BATCH_SIZE = 2
    campaign_emails = EmailFactory.create_batch(3, bulk=True)
    onboarding = EmailFactory.create()

    email_send_all(emails=Email.objects.all())

    assert sorted(enqueued()) == sorted(
        [
            ("emails.email_send_batch", "bulk", [campaign_emails[0].id, campaign_emails[1].id]),
            ("emails.email_send_batch", "bulk", [campaign_emails[2].id]),
            ("emails.email_send_batch", "transactional", [onboarding.id]),
        ]
    )


def test_the_caller_may_name_the_queue(enqueued):
    email = EmailFactory.create()

    email_send_all(emails=[email], queue="bulk")

    assert enqueued() == [("emails.email_send_batch", "bulk", [email.id])]


def test_recovered_emails_go_back_to_their_own_queue(enqueued):
    bulk = EmailFactory.create(bulk=True, status=Email.Status.SENDING)
    transactional = EmailFactory.create(status=Email.Status.SENDING)
    Email.objects.update(updated_at=timezone.now() - timedelta(hours=1))

    email_recover_stranded(stranded_after=timedelta(minutes=2), limit=10)

    assert sorted(enqueued()) == sorted(
        [
            ("emails.email_send_batch", "bulk", [bulk.id]),
            ("emails.email_send_batch", "transactional", [transactional.id]),
        ]
    )


def test_the_queue_reaches_the_broker_message(settings):
    # Eager mode runs the task without a message; the queue the fast path and
    # the relay pass to `apply_async` is what Celery's router turns into the
    # message's destination, over the task's own route.
    email = EmailFactory.create()
    task = queueing.email_send_batch_task
    options = task.app.amqp.router.route({"queue": settings.TASK_QUEUE_BULK}, task.name, (), {"email_ids": [email.id]})

    assert options["queue"].name == "bulk"
    assert options["queue"].routing_key == "bulk"
