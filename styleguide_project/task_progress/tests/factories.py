import uuid

import factory

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.users.tests.factories import BaseUserFactory


class TaskOwnershipFactory(factory.django.DjangoModelFactory[TaskOwnership]):
    class Meta:
        model = TaskOwnership

    task_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    task_name = "tests.progress_steps"
    user = factory.SubFactory(BaseUserFactory)
