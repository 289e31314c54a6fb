"""Which Celery queue `email_send_all` publishes each email's delivery to."""

from collections.abc import Callable

import pytest

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.outbox.models import OutboxRun

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
