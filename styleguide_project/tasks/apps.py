from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "styleguide_project.tasks"
    label = "tasks"

    def ready(self) -> None:
        # The dead letters' receivers of Celery's task signals.
        from styleguide_project.tasks import signals  # noqa: F401
