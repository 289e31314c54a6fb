from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AuthenticationConfig(AppConfig):
    name = "styleguide_project.authentication"
    label = "authentication"

    def ready(self) -> None:
        from styleguide_project.authentication import signals  # noqa: F401 - connects the receivers


class ThrottledAdminConfig(AdminConfig):
    """Django's admin, with a site whose login is throttled like every other login (Django's documented override)."""

    default_site = "styleguide_project.authentication.views.ThrottledAdminSite"
