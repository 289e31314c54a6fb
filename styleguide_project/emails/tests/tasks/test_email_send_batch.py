import smtplib
from collections.abc import Iterator

import pytest
from celery.signals import task_prerun
from django.core import mail

from styleguide_project.emails.exceptions import EmailBatchIncompleteError
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay

pytestmark = pytest.mark.django_db


@pytest.fixture
def batches() -> Iterator[list[list[int]]]:
    """The email ids of every run of emails.email_send_batch (each retry is a run) while the test runs."""
    runs: list[list[int]] = []

    def record(sender, task_id, task, args, kwargs, **extra):
        if task.name == email_send_batch_task.name:
            runs.append(list(kwargs["email_ids"]))

    task_prerun.connect(record, weak=False)
    yield runs
    task_prerun.disconnect(record)


def test_email_send_all_publishes_one_batch_per_batch_size(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_SEND_BATCH_SIZE = 2
    emails = EmailFactory.create_batch(5, status=Email.Status.READY)

    with django_capture_on_commit_callbacks(execute=True):
        email_send_all(emails=Email.objects.all())

    # Five emails in runs of 2, 2 and 1, all delivered.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(email.to for email in emails)
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}


def test_a_transient_error_retries_only_the_emails_not_sent(flaky_email, retry_countdowns, batches):
    first, second, third = EmailFactory.create_batch(3, status=Email.Status.SENDING)
    # The first message fails once: the batch is retried whole from there.
    flaky_email.failures_left = 1

    email_send_batch_task.delay(email_ids=[first.id, second.id, third.id])

    assert batches == [[first.id, second.id, third.id], [first.id, second.id, third.id]]
    assert len(retry_countdowns) == 1
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}
    first.refresh_from_db()
    assert first.attempts == 2  # the failed one and the one that went through


def test_a_retry_skips_the_emails_already_sent(flaky_email, retry_countdowns, batches):
    first, second = EmailFactory.create_batch(2, status=Email.Status.SENDING)
    # The second message meets a dropped connection once.
    flaky_email.delivers_first, flaky_email.failures_left = 1, 1

    email_send_batch_task.delay(email_ids=[first.id, second.id])

    # The retry is the same batch; the first email, SENT, is not sent again.
    assert batches == [[first.id, second.id], [first.id, second.id]]
    assert [message.to[0] for message in mail.outbox] == [first.to, second.to]
    assert len(retry_countdowns) == 1


def test_retries_exhausted_the_emails_not_sent_fail_and_the_sent_stay_sent(
    settings, flaky_email, retry_countdowns, task_failures
):
    settings.TASK_MAX_RETRIES = 2
    first, second = EmailFactory.create_batch(2, status=Email.Status.SENDING)
    flaky_email.delivers_first, flaky_email.failures_left = 1, 100

    with pytest.raises(EmailBatchIncompleteError) as raised:
        email_send_batch_task.delay(email_ids=[first.id, second.id])

    assert isinstance(raised.value.__cause__, smtplib.SMTPServerDisconnected)
    first.refresh_from_db()
    second.refresh_from_db()
    assert len(retry_countdowns) == 2
    # _email_send_batch_failure ran once, for the final failure only.
    assert [type(exc) for exc in task_failures] == [EmailBatchIncompleteError]
    assert first.status == Email.Status.SENT
    assert second.status == Email.Status.FAILED
    assert second.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    # Three tries of the second email: the first and two retries.
    assert second.attempts == 3


def test_transient_errors_are_retried_with_the_project_backoff(settings, flaky_email, retry_countdowns):
    settings.TASK_RETRY_BACKOFF_SECONDS = 2
    settings.TASK_RETRY_BACKOFF_MAX_SECONDS = 6
    settings.TASK_MAX_RETRIES = 5
    flaky_email.failures_left = 4
    email = EmailFactory.create(status=Email.Status.SENDING)

    email_send_batch_task.delay(email_ids=[email.id])

    email.refresh_from_db()
    assert (email.status, email.attempts, len(mail.outbox)) == (Email.Status.SENT, 5, 1)
    # Exponential, capped at 6 s, equal jitter: retry n waits between half and all of min(6, 2 * 2^n).
    assert len(retry_countdowns) == 4
    for n, countdown in enumerate(retry_countdowns):
        delay = min(6, 2 * 2**n)
        assert delay / 2 <= countdown <= delay


def test_a_failed_attempt_is_recorded_with_its_retry_time(settings, flaky_email, retry_countdowns):
    settings.TASK_MAX_RETRIES = 0
    flaky_email.failures_left = 1
    email = EmailFactory.create(status=Email.Status.SENDING)
    settings.TASK_MAX_RETRIES = 3
    recorded = []

    def capture(sender, request, reason, einfo, **kwargs):
        row = Email.objects.get(id=email.id)
        recorded.append((row.status, row.attempts, row.last_error, row.next_attempt_at is not None))

    from celery.signals import task_retry

    task_retry.connect(capture, weak=False)
    try:
        email_send_batch_task.delay(email_ids=[email.id])
    finally:
        task_retry.disconnect(capture)

    # When the retry was scheduled the attempt was on the row, still SENDING.
    assert recorded == [(Email.Status.SENDING, 1, "SMTPServerDisconnected: Connection unexpectedly closed", True)]


def test_a_bug_is_not_retried_and_fails_its_email(flaky_email, retry_countdowns, task_failures):
    flaky_email.error, flaky_email.failures_left = ValueError, 1
    email = EmailFactory.create(status=Email.Status.SENDING)

    email_send_batch_task.delay(email_ids=[email.id])

    email.refresh_from_db()
    assert retry_countdowns == []
    assert email.status == Email.Status.FAILED
    assert email.last_error == "ValueError: Connection unexpectedly closed"


@pytest.mark.parametrize("status", [Email.Status.READY, Email.Status.SENT, Email.Status.FAILED])
def test_an_email_not_sending_is_left_alone(status, flaky_email, retry_countdowns, task_failures):
    email = EmailFactory.create(status=status)

    email_send_batch_task.delay(email_ids=[email.id, 999_999])

    email.refresh_from_db()
    assert email.status == status
    assert (retry_countdowns, task_failures, flaky_email.calls) == ([], [], 0)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        email_send_batch_task.delay([1])


def test_a_batch_that_failed_for_good_is_sent_by_replaying_its_dead_letter(
    settings, flaky_email, retry_countdowns, task_failures, django_capture_on_commit_callbacks
):
    # given: a batch whose second email fails until the retries run out
    settings.TASK_MAX_RETRIES = 1
    first, second = EmailFactory.create_batch(2, status=Email.Status.READY)
    flaky_email.delivers_first, flaky_email.failures_left = 1, 100
    with django_capture_on_commit_callbacks(execute=True):
        email_send_all(emails=Email.objects.filter(id__in=[first.id, second.id]))
    second.refresh_from_db()
    assert second.status == Email.Status.FAILED
    letter = DeadLetter.objects.get()
    assert (letter.task_name, letter.kwargs, letter.attempts) == (
        "emails.email_send_batch",
        {"email_ids": [first.id, second.id]},
        2,
    )

    # when: the cause is fixed and the letter replayed
    flaky_email.failures_left = 0
    with django_capture_on_commit_callbacks(execute=True):
        dead_letter_replay(dead_letter=letter)

    # then: the failed email is sent, the one already sent is not sent again
    first.refresh_from_db()
    second.refresh_from_db()
    letter.refresh_from_db()
    assert (first.status, second.status) == (Email.Status.SENT, Email.Status.SENT)
    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.to, second.to])
    assert letter.replayed_at is not None
    assert DeadLetter.objects.count() == 1
