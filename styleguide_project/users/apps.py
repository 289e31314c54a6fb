from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "styleguide_project.users"
    label = "users"
