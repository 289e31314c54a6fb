"""Which Celery queue `email_send_all` and the recovery publish each email's delivery to."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all, queueing
from styleguide_project.emails.services.recovery import email_recover_stranded
from styleguide_project.emails.tests.factories import EmailCampaignFactory, EmailFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None, list[int]]]:
    """(task name, queue, email ids) for each run `queueing` hands to the kit's enqueue."""
    calls: list[tuple[str, str | None, list[int]]] = []

    def record(*, task: Any, kwargs_list: list[dict[str, Any]], task_ids: Any = None) -> None:
        queue = task.options.get("queue") if hasattr(task, "options") else None
        calls.extend((task.name, queue, kwargs["email_ids"]) for kwargs in kwargs_list)

    monkeypatch.setattr(queueing, "task_enqueue_on_commit", record)
    return calls


def test_a_campaign_goes_to_bulk_and_every_other_email_to_transactional(enqueued, settings):
    settings.EMAIL_SEND_BATCH_SIZE = 2
    campaign = EmailCampaignFactory.create()
    campaign_emails = EmailFactory.create_batch(3, campaign=campaign)
    onboarding = EmailFactory.create()

    email_send_all(emails=Email.objects.all())

    assert sorted(enqueued) == sorted(
        [
            ("emails.email_send_batch", "bulk", [campaign_emails[0].id, campaign_emails[1].id]),
            ("emails.email_send_batch", "bulk", [campaign_emails[2].id]),
            ("emails.email_send_batch", "transactional", [onboarding.id]),
        ]
    )


def test_the_caller_may_name_the_queue(enqueued):
    email = EmailFactory.create()

    email_send_all(emails=[email], queue="bulk")

    assert enqueued == [("emails.email_send_batch", "bulk", [email.id])]


def test_recovered_emails_go_back_to_their_own_queue(enqueued):
    campaign = EmailCampaignFactory.create()
    bulk = EmailFactory.create(campaign=campaign, status=Email.Status.SENDING)
    transactional = EmailFactory.create(status=Email.Status.SENDING)
    Email.objects.update(updated_at=timezone.now() - timedelta(hours=1))

    email_recover_stranded(stranded_after=timedelta(minutes=2), limit=10)

    assert sorted(enqueued) == sorted(
        [
            ("emails.email_send_batch", "bulk", [bulk.id]),
            ("emails.email_send_batch", "transactional", [transactional.id]),
        ]
    )


def test_the_queue_reaches_the_broker_message(settings):
    # Eager mode runs the task without a message; the options of what the kit
    # is handed are what Celery's router merges into the message's destination.
    email = EmailFactory.create()
    signature = queueing.email_send_batch_task.signature(options={"queue": settings.TASK_QUEUE_BULK})
    options = queueing.email_send_batch_task.app.amqp.router.route(
        dict(signature.options), signature.name, (), {"email_ids": [email.id]}
    )

    assert options["queue"].name == "bulk"
    assert options["queue"].routing_key == "bulk"
