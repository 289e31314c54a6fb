"""The `/api/` root: each app's URLs under its own namespace, and the OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from styleguide_project.api.apis import ApiIndexApi, HealthLiveApi, HealthReportApi

urlpatterns = [
    path("", ApiIndexApi.as_view(), name="index"),
    path("health/", HealthReportApi.as_view(), name="health"),
    path("health/live/", HealthLiveApi.as_view(), name="health-live"),
    path("auth/", include(("styleguide_project.authentication.urls", "auth"))),
    path("users/", include(("styleguide_project.users.urls", "users"))),
    # Campaigns are an app of their own, served where they always were, beside the emails they send.
    path("emails/campaigns/", include(("styleguide_project.campaigns.urls", "campaigns"))),
    path("emails/", include(("styleguide_project.emails.urls", "emails"))),
    # The kit's dead letters first: task progress's `<str:task_id>/` would take "dead-letters/".
    path("tasks/", include(("styleguide_project.tasks.urls", "task_kit"))),
    path("tasks/", include(("styleguide_project.task_progress.urls", "tasks"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its set-up script from `?script` and its styles in a file, none inline:
    # the page works under the Content-Security-Policy (config/settings/security.py).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
