from datetime import timedelta

import pytest
from django_celery_results.models import TaskResult

from styleguide_project.tasks.app.tasks import task_result_delete_expired as task_result_delete_expired_task
from styleguide_project.tasks.tests.factories import task_result_finished

pytestmark = pytest.mark.django_db


def test_deletes_what_is_older_than_celery_result_expires(settings):
    settings.CELERY_RESULT_EXPIRES = timedelta(days=2)
    task_result_finished(age=timedelta(days=3))
    kept = task_result_finished(age=timedelta(days=1))

    result = task_result_delete_expired_task.delay()

    assert result.get() == {"task_results": 1, "group_results": 0}
    # The run's own result is stored too (eager results are, as a worker's).
    assert list(TaskResult.objects.exclude(task_id=result.id).values_list("id", flat=True)) == [kept.id]
