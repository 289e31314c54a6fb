from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "styleguide_project.api"
    label = "api"
