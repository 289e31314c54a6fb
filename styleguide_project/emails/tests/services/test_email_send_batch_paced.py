"""`email_send_batch` under EMAIL_SEND_RATE, on a redis-server of the test's own."""

import time
from collections.abc import Iterator

import pytest
from django.core import mail
from django.db import connection

from styleguide_project.emails import pacing
from styleguide_project.emails.exceptions import EmailBatchIncompleteError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import delivery
from styleguide_project.emails.services.delivery import email_send_batch
from styleguide_project.emails.tests.factories import EmailFactory
from testing.processes import RedisServer, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def rate_redis() -> Iterator[RedisServer]:
    server = RedisServer(appendonly=False).start()
    yield server
    server.stop()


@pytest.fixture
def paced(settings, rate_redis):
    settings.EMAIL_SEND_RATE_PER_SECOND = 20.0
    settings.EMAIL_SEND_RATE_REDIS_URL = rate_redis.url(0)
    settings.EMAIL_SEND_RATE_KEY_PREFIX = f"test:paced:{time.monotonic_ns()}"
    return settings


def test_emails_go_out_at_the_rate_with_no_transaction_open_while_waiting(paced, monkeypatch):
    emails = EmailFactory.create_batch(10, status=Email.Status.SENDING)
    in_transaction: list[bool] = []

    def take(*, bulk: bool, finished: str | None) -> str | None:
        in_transaction.append(connection.in_atomic_block)
        return pacing.email_send_rate_take(bulk=bulk, finished=finished)

    monkeypatch.setattr(delivery, "email_send_rate_take", take)
    started = time.monotonic()
    sent = email_send_batch(email_ids=[email.id for email in emails])
    elapsed = time.monotonic() - started

    assert sent == [email.id for email in emails]
    assert len(mail.outbox) == 10
    assert in_transaction == [False] * 10
    # A new state's first second, then nine spacings of 1/20 s.
    assert elapsed >= 1.0 + 9 / 20 - 0.02


def test_without_a_rate_there_is_no_redis_call(settings):
    settings.EMAIL_SEND_RATE_PER_SECOND = None
    # A Redis that would refuse every connection.
    settings.EMAIL_SEND_RATE_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    emails = EmailFactory.create_batch(3, status=Email.Status.SENDING)

    assert email_send_batch(email_ids=[email.id for email in emails]) == [email.id for email in emails]


def test_a_silent_rate_redis_leaves_the_emails_sending_for_the_retry(settings):
    settings.EMAIL_SEND_RATE_PER_SECOND = 20.0
    settings.EMAIL_SEND_RATE_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.EMAIL_SEND_RATE_REDIS_PATIENCE_SECONDS = 0.3
    emails = EmailFactory.create_batch(3, status=Email.Status.SENDING)

    with pytest.raises(EmailBatchIncompleteError) as raised:
        email_send_batch(email_ids=[email.id for email in emails])

    assert set(raised.value.errors) == {email.id for email in emails}
    assert "EmailSendRateUnavailableError" in next(iter(raised.value.errors.values()))
    assert mail.outbox == []
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENDING}


def test_a_batch_that_waited_long_hands_the_rest_to_a_new_run(settings, monkeypatch):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 0
    handed: list[list[int]] = []
    monkeypatch.setattr(
        "styleguide_project.emails.services.queueing.email_batches_enqueue_on_commit",
        lambda *, ids, queue: handed.append(ids),
    )
    emails = EmailFactory.create_batch(3, status=Email.Status.SENDING)

    assert email_send_batch(email_ids=[email.id for email in emails]) == []
    assert handed == [[email.id for email in emails]]
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENDING}
