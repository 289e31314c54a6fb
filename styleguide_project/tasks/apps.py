from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "styleguide_project.tasks"
    label = "tasks"

    def ready(self) -> None:
        # Each room connects its receivers of Celery's signals when imported:
        # the outbox's done-once guard and relay, the dead letters, and the
        # publish stamp (every task message's publish time, for a queue's age).
        from styleguide_project.tasks.app import ProjectTask
        from styleguide_project.tasks.app import tasks as app_tasks  # noqa: F401
        from styleguide_project.tasks.observation import publish_stamp  # noqa: F401
        from styleguide_project.tasks.outbox import (
            relay,  # noqa: F401
            signals,  # noqa: F401
            tasks,  # noqa: F401
        )
        from styleguide_project.tasks.outbox.cancel_guard import cancelled_run_guard
        from styleguide_project.tasks.outbox.guard import outbox_run_guard

        # The cancel guard first, the outermost: a cancelled copy claims nothing.
        ProjectTask.run_guard_register(cancelled_run_guard)
        ProjectTask.run_guard_register(outbox_run_guard)
        ProjectTask.cancelled_check_register(cancelled_run_guard.is_cancelled)
