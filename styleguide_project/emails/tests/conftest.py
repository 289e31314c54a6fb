import smtplib
from collections.abc import Iterator

import pytest
from celery.signals import task_failure

from styleguide_project.emails.tests.backends import FlakyEmailBackend


@pytest.fixture
def flaky_email(settings) -> Iterator[type[FlakyEmailBackend]]:
    """Email backend that delivers `delivers_first` messages, fails `failures_left` times with `error`,
    then delivers to the outbox."""
    settings.EMAIL_BACKEND = "styleguide_project.emails.tests.backends.FlakyEmailBackend"
    FlakyEmailBackend.failures_left = 0
    FlakyEmailBackend.delivers_first = 0
    FlakyEmailBackend.error = smtplib.SMTPServerDisconnected
    FlakyEmailBackend.calls = 0
    yield FlakyEmailBackend
    FlakyEmailBackend.failures_left = 0
    FlakyEmailBackend.delivers_first = 0


@pytest.fixture
def task_failures() -> Iterator[list[BaseException]]:
    """Exceptions of tasks that failed for good while the test runs."""
    failures: list[BaseException] = []

    def record(sender, task_id, exception, **kwargs):
        failures.append(exception)

    task_failure.connect(record, weak=False)
    yield failures
    task_failure.disconnect(record)
