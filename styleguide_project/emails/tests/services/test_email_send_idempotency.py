"""Two deliveries of the same email send it once."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection

from styleguide_project.emails.models import Email
from styleguide_project.emails.services.delivery import email_message_id, email_send_batch
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.emails.tests.factories import EmailFactory
from testing.concurrency import run_at_once
from testing.processes import process_env
from testing.services import service_missing


@pytest.mark.django_db
def test_the_message_id_is_stable_per_email_and_does_not_show_its_id(settings):
    settings.DEFAULT_FROM_EMAIL = "Styleguide <noreply@example.com>"
    email, other = EmailFactory.create_batch(2, status=Email.Status.SENDING)
    message_id = email_message_id(email=email)

    email_send_batch(email_ids=[email.id])

    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == message_id
    # The same on every delivery (a retry, another process), from the row alone.
    assert email_message_id(email=Email.objects.get(pk=email.pk)) == message_id
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.com>", message_id)
    assert email_message_id(email=other) != message_id


@pytest.mark.django_db
def test_the_message_id_depends_on_the_secret_key(settings):
    email = EmailFactory.create()
    before = email_message_id(email=email)

    settings.SECRET_KEY = "another-secret-key-for-this-test"

    # Whoever does not know the key cannot compute the id's Message-ID, nor the reverse.
    assert email_message_id(email=email) != before


def test_worker_processes_of_the_tests_compute_the_same_message_ids(settings):
    # The fault tests match what a real worker delivered to the emails by their Message-ID.
    assert process_env()["DJANGO_SECRET_KEY"] == settings.SECRET_KEY


@pytest.mark.django_db
def test_a_redelivered_task_does_not_send_again():
    email = EmailFactory.create(status=Email.Status.SENDING)

    email_send_batch_task.delay(email_ids=[email.id])
    email_send_batch_task.delay(email_ids=[email.id])

    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_batches_of_the_same_emails_send_each_once():
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: SQLite has no row locks")
    emails = EmailFactory.create_batch(20, status=Email.Status.SENDING)
    ids = [email.id for email in emails]
    results: list[list[int]] = []

    def deliver(start: threading.Barrier) -> None:
        start.wait()
        results.append(email_send_batch(email_ids=ids))

    run_at_once(deliver)

    # Between them the two runs sent every email, none twice.
    assert sorted(results[0] + results[1]) == ids
    assert sorted(message.to[0] for message in mail.outbox) == sorted(email.to for email in emails)
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}
