from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from styleguide_project.core.views import HomeView, favicon

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("favicon.ico", favicon, name="favicon"),
    # DJANGO_ADMIN_URL; the admin refuses everyone but active staff.
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", include(("styleguide_project.api.urls", "api"))),
    # Prometheus's conventional path, outside the API; answers only the holder of METRICS_TOKEN.
    path("metrics", include(("styleguide_project.metrics.urls", "metrics"))),
    # HTML pages for people in a browser, with session login.
    path("accounts/", include(("styleguide_project.authentication.view_urls", "accounts"))),
    path("tasks/", include(("styleguide_project.task_progress.view_urls", "task"))),
    path("emails/campaigns/", include(("styleguide_project.campaigns.view_urls", "campaigns"))),
    # The pages links in account emails open, when no client application takes them (FRONTEND_URL).
    path("users/", include(("styleguide_project.users.view_urls", "users"))),
]

# Pages for a developer's own machine: the emails the project sent, readable in the browser, and the page
# their verification link leads to.
dev_urlpatterns = [
    path("dev/inbox/", include(("styleguide_project.emails.view_urls", "inbox"))),
    path("dev/verify-email/", include(("styleguide_project.users.dev_urls", "dev_users"))),
]
if settings.DEBUG:
    urlpatterns += dev_urlpatterns

handler404 = "styleguide_project.core.error_views.page_not_found"
handler500 = "styleguide_project.core.error_views.server_error"
