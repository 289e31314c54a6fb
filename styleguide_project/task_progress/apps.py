from django.apps import AppConfig


class TaskProgressConfig(AppConfig):
    name = "styleguide_project.task_progress"
    label = "task_progress"
