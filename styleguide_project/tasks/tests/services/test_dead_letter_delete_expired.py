from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_delete_expired
from styleguide_project.tasks.tests.factories import dead_letter_recorded as letter_recorded

pytestmark = pytest.mark.django_db


def test_deletes_the_letters_older_than_the_age_replayed_or_not():
    letter_recorded(age=timedelta(days=31))
    letter_recorded(age=timedelta(days=40), replayed_at=timezone.now(), replayed_as="x")
    kept = letter_recorded(age=timedelta(days=29))

    assert dead_letter_delete_expired(older_than=timedelta(days=30)) == 2
    assert list(DeadLetter.objects.all()) == [kept]
