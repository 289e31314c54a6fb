from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # DJANGO_ADMIN_URL; the admin refuses everyone but active staff.
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", include(("styleguide_project.api.urls", "api"))),
]
