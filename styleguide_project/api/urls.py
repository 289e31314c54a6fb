"""The `/api/` root: each app's URLs under its own namespace."""

from django.urls import include, path

from styleguide_project.api.apis import HealthApi

urlpatterns = [
    path("health/", HealthApi.as_view(), name="health"),
    path("users/", include(("styleguide_project.users.urls", "users"))),
    path("emails/", include(("styleguide_project.emails.urls", "emails"))),
    path("tasks/", include(("styleguide_project.tasks.urls", "tasks"))),
]
