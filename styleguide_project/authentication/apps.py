from django.apps import AppConfig


class AuthenticationConfig(AppConfig):
    name = "styleguide_project.authentication"
    label = "authentication"
