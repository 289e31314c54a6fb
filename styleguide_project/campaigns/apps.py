from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "styleguide_project.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from styleguide_project.campaigns import signals  # noqa: F401 - connects the receivers
