from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "styleguide_project.campaigns"
    label = "campaigns"
