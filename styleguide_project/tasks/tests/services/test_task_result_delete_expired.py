from datetime import timedelta

import pytest
from django_celery_results.models import GroupResult, TaskResult

from styleguide_project.tasks.app.results import task_result_delete_expired
from styleguide_project.tasks.tests.factories import group_result_finished, task_result_finished

pytestmark = pytest.mark.django_db


def test_results_older_than_expires_are_deleted_and_counted():
    task_result_finished(age=timedelta(days=8))
    fresh_task = task_result_finished(age=timedelta(days=6))
    group_result_finished(age=timedelta(days=30))
    fresh_group = group_result_finished(age=timedelta(hours=1))

    deleted = task_result_delete_expired(expires=timedelta(days=7))

    assert deleted == {"task_results": 1, "group_results": 1}
    assert list(TaskResult.objects.values_list("id", flat=True)) == [fresh_task.id]
    assert list(GroupResult.objects.values_list("id", flat=True)) == [fresh_group.id]
