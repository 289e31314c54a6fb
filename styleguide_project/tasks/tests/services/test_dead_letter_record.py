import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.services.dead_letters import (
    EXCEPTION_MESSAGE_MAX_CHARS,
    TRACEBACK_MAX_CHARS,
    dead_letter_record,
)

pytestmark = pytest.mark.django_db


def record(**overrides):
    now = timezone.now()
    values = {
        "task_name": "tests.probe_always_fails",
        "task_id": "run-1",
        "kwargs": {"value": 1},
        "exception_type": "ValueError",
        "exception_message": "bad",
        "traceback": "Traceback (most recent call last):\nValueError: bad\n",
        "attempts": 1,
        "first_failed_at": now,
        "last_failed_at": now,
    }
    return dead_letter_record(**{**values, **overrides})


def test_records_a_letter():
    letter = record()

    assert DeadLetter.objects.get() == letter
    assert (letter.task_id, letter.kwargs, letter.attempts) == ("run-1", {"value": 1}, 1)


def test_a_second_final_failure_of_the_same_run_updates_its_letter():
    first_time = timezone.now() - datetime.timedelta(minutes=5)
    record(first_failed_at=first_time, last_failed_at=first_time)
    later = timezone.now()

    letter = record(exception_message="worse", attempts=3, first_failed_at=later, last_failed_at=later)

    assert DeadLetter.objects.count() == 1
    letter.refresh_from_db()
    assert (letter.exception_message, letter.attempts) == ("worse", 3)
    # The run first failed the first time.
    assert (letter.first_failed_at, letter.last_failed_at) == (first_time, later)


def test_a_long_traceback_keeps_its_end_and_a_long_message_its_start():
    traceback = "Traceback (most recent call last):\n" + "  frame\n" * 5000 + "ValueError: the cause\n"
    message = "start " + "x" * 10_000

    letter = record(traceback=traceback, exception_message=message)

    assert len(letter.traceback) == TRACEBACK_MAX_CHARS
    assert letter.traceback.startswith("[...]\n")
    assert letter.traceback.endswith("ValueError: the cause\n")
    assert len(letter.exception_message) == EXCEPTION_MESSAGE_MAX_CHARS
    assert letter.exception_message.startswith("start x")
    assert letter.exception_message.endswith("\n[...]")


def test_kwargs_that_are_not_json_are_kept_as_text():
    letter = record(kwargs={"amount": Decimal("1.50"), "ids": [1, 2]})

    letter.refresh_from_db()
    assert letter.kwargs == {"amount": "1.50", "ids": [1, 2]}
