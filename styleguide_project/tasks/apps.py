from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "styleguide_project.tasks"
    label = "tasks"
