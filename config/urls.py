from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(("styleguide_project.api.urls", "api"))),
    # HTML pages for people in a browser, with session login.
    path("accounts/", include(("styleguide_project.authentication.view_urls", "accounts"))),
    path("tasks/", include(("styleguide_project.task_progress.urls", "task"))),
    path("emails/", include(("styleguide_project.emails.view_urls", "emails"))),
]
