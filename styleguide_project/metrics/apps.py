from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "styleguide_project.metrics"
    label = "metrics"
