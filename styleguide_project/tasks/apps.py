from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "styleguide_project.tasks"
    label = "tasks"

    def ready(self) -> None:
        # The dead letters' receivers of Celery's task signals.
        # Stamps every task message with its publish time, for the age of a queue's oldest message.
        from styleguide_project.tasks import (
            publish_stamp,  # noqa: F401
            signals,  # noqa: F401
        )
