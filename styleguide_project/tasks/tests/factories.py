import uuid
from datetime import timedelta

from django.utils import timezone
from django_celery_results.models import GroupResult, TaskResult


def task_result_finished(*, age: timedelta) -> TaskResult:
    result = TaskResult.objects.create(task_id=str(uuid.uuid4()), status="SUCCESS")
    # date_done is auto_now: the age is set with an update.
    TaskResult.objects.filter(id=result.id).update(date_done=timezone.now() - age)
    return result


def group_result_finished(*, age: timedelta) -> GroupResult:
    result = GroupResult.objects.create(group_id=str(uuid.uuid4()))
    GroupResult.objects.filter(id=result.id).update(date_done=timezone.now() - age)
    return result
