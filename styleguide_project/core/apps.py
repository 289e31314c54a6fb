from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "styleguide_project.core"
    label = "core"
