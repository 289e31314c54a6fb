import uuid
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone
from django_celery_results.models import GroupResult, TaskResult

from styleguide_project.tasks.outbox.models import DeadLetter


def task_result_finished(*, age: timedelta) -> TaskResult:
    result = TaskResult.objects.create(task_id=str(uuid.uuid4()), status="SUCCESS")
    # date_done is auto_now: the age is set with an update.
    TaskResult.objects.filter(id=result.id).update(date_done=timezone.now() - age)
    return result


def group_result_finished(*, age: timedelta) -> GroupResult:
    result = GroupResult.objects.create(group_id=str(uuid.uuid4()))
    GroupResult.objects.filter(id=result.id).update(date_done=timezone.now() - age)
    return result


class DeadLetterFactory(factory.django.DjangoModelFactory[DeadLetter]):
    class Meta:
        model = DeadLetter

    task_name = "tests.probe_always_fails"
    task_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    kwargs = factory.Sequence(lambda n: {"value": n})
    exception_type = "styleguide_project.tasks.tests.probe_tasks.ProbeTransientError"
    exception_message = "still broken"
    traceback = "Traceback (most recent call last):\n  ...\nProbeTransientError: still broken\n"
    attempts = 1
    first_failed_at = factory.LazyFunction(timezone.now)
    last_failed_at = factory.LazyAttribute(lambda letter: letter.first_failed_at)


def dead_letter_recorded(*, age: timedelta, **fields: Any) -> DeadLetter:
    """A letter recorded `age` ago."""
    letter = DeadLetterFactory.create(**fields)
    # created_at is auto_now_add: the age is set with an update.
    DeadLetter.objects.filter(id=letter.id).update(created_at=timezone.now() - age)
    letter.refresh_from_db()
    return letter
