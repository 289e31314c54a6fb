from django.urls import path

from styleguide_project.metrics.apis import MetricsApi

urlpatterns = [
    path("", MetricsApi.as_view(), name="metrics"),
]
