from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.task_progress.services import task_ownership_delete_expired
from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory

pytestmark = pytest.mark.django_db


def test_deletes_only_what_is_older_than_the_age():
    old = TaskOwnershipFactory.create()
    TaskOwnership.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=8))
    kept = TaskOwnershipFactory.create()

    deleted = task_ownership_delete_expired(expires=timedelta(days=7))

    assert deleted == 1
    assert list(TaskOwnership.objects.values_list("id", flat=True)) == [kept.id]
