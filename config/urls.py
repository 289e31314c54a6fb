from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # DJANGO_ADMIN_URL; the admin refuses everyone but active staff.
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", include(("styleguide_project.api.urls", "api"))),
]

handler404 = "styleguide_project.core.error_views.page_not_found"
handler500 = "styleguide_project.core.error_views.server_error"
