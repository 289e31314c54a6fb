import datetime

import pytest
from django.utils import timezone

from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.selectors import dead_letter_get, dead_letter_list
from styleguide_project.tasks.tests.factories import DeadLetterFactory

pytestmark = pytest.mark.django_db


def recorded_at(when: datetime.datetime, **fields) -> DeadLetter:
    letter = DeadLetterFactory.create(**fields)
    DeadLetter.objects.filter(id=letter.id).update(created_at=when)
    return letter


def test_newest_first_filtered_by_task_name():
    now = timezone.now()
    old = recorded_at(now - datetime.timedelta(hours=2), task_name="tests.probe_always_fails")
    new = recorded_at(now - datetime.timedelta(hours=1), task_name="tests.probe_always_fails")
    recorded_at(now, task_name="tests.probe_echo")

    assert list(dead_letter_list(filters={"task_name": "tests.probe_always_fails"})) == [new, old]
    assert dead_letter_list().count() == 3


def test_filtered_by_day_in_the_time_zone(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    amsterdam = timezone.get_current_timezone()
    day = datetime.date(2026, 3, 29)  # the night the clocks go forward: a day of 23 hours
    first = recorded_at(datetime.datetime(2026, 3, 29, 0, 0, tzinfo=amsterdam))
    last = recorded_at(datetime.datetime(2026, 3, 29, 23, 59, 59, tzinfo=amsterdam))
    recorded_at(datetime.datetime(2026, 3, 28, 23, 59, 59, tzinfo=amsterdam))
    recorded_at(datetime.datetime(2026, 3, 30, 0, 0, tzinfo=amsterdam))

    assert set(dead_letter_list(filters={"day": day})) == {first, last}


def test_says_whether_the_task_is_still_registered():
    registered = DeadLetterFactory.create(task_name="emails.email_send_batch")
    gone = DeadLetterFactory.create(task_name="tests.renamed_long_ago")

    # An annotation, unknown to the type checker.
    flags = {letter.id: getattr(letter, "task_registered", None) for letter in dead_letter_list()}

    assert flags == {registered.id: True, gone.id: False}


def test_get_by_id():
    letter = DeadLetterFactory.create()

    assert dead_letter_get(dead_letter_id=letter.id) == letter
    assert dead_letter_get(dead_letter_id=letter.id + 1) is None
