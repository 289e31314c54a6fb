from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "styleguide_project.emails"
    label = "emails"
