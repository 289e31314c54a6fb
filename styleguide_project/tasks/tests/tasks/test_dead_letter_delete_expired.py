from datetime import timedelta

import pytest

from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.tasks import dead_letter_delete_expired as dead_letter_delete_expired_task
from styleguide_project.tasks.tests.factories import dead_letter_recorded as letter_recorded

pytestmark = pytest.mark.django_db


def test_deletes_the_letters_older_than_the_retention_and_says_how_many(settings):
    settings.DEAD_LETTER_RETENTION_DAYS = 7
    letter_recorded(age=timedelta(days=8))
    kept = letter_recorded(age=timedelta(days=6))

    assert dead_letter_delete_expired_task.delay().get() == 1
    assert list(DeadLetter.objects.all()) == [kept]
