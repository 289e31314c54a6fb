"""@mail_on_failure: one mail to SUPPORT_EMAIL after the final failure, none on retries."""

import logging

import pytest
from celery import shared_task
from django.core import mail

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.failures import mail_on_failure

pytestmark = pytest.mark.django_db


class BoomError(RuntimeError):
    pass


@shared_task(
    bind=True, base=ProjectTask, name="tests.mail_on_failure.retrying", max_retries=2, needs_failure_handler=False
)
@mail_on_failure
def retrying(self, *, failures: int) -> str:
    if self.request.retries < failures:
        raise self.retry(exc=BoomError(f"attempt {self.request.retries + 1} failed"), countdown=0)
    return "done"


@shared_task(
    base=ProjectTask,
    name="tests.mail_on_failure.autoretrying",
    autoretry_for=(BoomError,),
    max_retries=2,
    retry_backoff=False,
    default_retry_delay=0,
    needs_failure_handler=False,
)
@mail_on_failure
def autoretrying() -> None:
    raise BoomError("always")


def test_no_mail_when_a_retry_succeeds(settings):
    settings.SUPPORT_EMAIL = "support@example.com"

    assert retrying.delay(failures=2).get() == "done"

    assert mail.outbox == []


@pytest.mark.task_failure_expected
def test_one_mail_after_the_final_failure(settings):
    settings.SUPPORT_EMAIL = "support@example.com"

    with pytest.raises(BoomError):
        retrying.apply_async(kwargs={"failures": 99}, task_id="task-123")

    [message] = mail.outbox
    assert message.to == ["support@example.com"]
    assert message.subject == "Task tests.mail_on_failure.retrying failed: BoomError"
    assert "Id: task-123" in message.body
    assert "Keyword arguments: {'failures': 99}" in message.body
    assert "Retries: 2" in message.body
    assert 'raise self.retry(exc=BoomError(f"attempt' in message.body  # the traceback
    assert "BoomError: attempt 3 failed" in message.body


@pytest.mark.task_failure_expected
def test_autoretry_sends_one_mail_after_the_last_try():
    with pytest.raises(BoomError):
        autoretrying.delay()

    assert len(mail.outbox) == 1


@pytest.mark.task_failure_expected
def test_a_failing_mail_is_logged_and_the_task_error_kept(settings, caplog):
    settings.EMAIL_BACKEND = "styleguide_project.emails.tests.backends.FlakyEmailBackend"
    from styleguide_project.emails.tests.backends import FlakyEmailBackend

    FlakyEmailBackend.failures_left = 1

    with caplog.at_level(logging.ERROR, logger="styleguide_project.tasks.app.failures"), pytest.raises(BoomError):
        retrying.apply_async(kwargs={"failures": 99}, task_id="task-456")

    assert "Could not mail the failure of task tests.mail_on_failure.retrying[task-456]" in caplog.text
    FlakyEmailBackend.failures_left = 0
