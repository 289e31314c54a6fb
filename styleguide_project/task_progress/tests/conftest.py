from collections.abc import Callable

import pytest
from celery import Task

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.task_progress.services import task_enqueue_for_user
from styleguide_project.task_progress.tests import probe_tasks
from styleguide_project.users.models import BaseUser


@pytest.fixture
def queue_for(django_capture_on_commit_callbacks) -> Callable[..., TaskOwnership]:
    """Queue a probe task for a user as a service would, and run it (eagerly) on commit."""

    def queue(user: BaseUser, task: Task = probe_tasks.progress_steps, **kwargs: object) -> TaskOwnership:
        with django_capture_on_commit_callbacks(execute=True):
            task_id = task_enqueue_for_user(task=task, kwargs=kwargs, user=user)
        return TaskOwnership.objects.get(task_id=task_id)

    return queue
