"""The site's own pages: what this is, at `/`, and its icon."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.generic import TemplateView


class HomeView(TemplateView):
    """What this site is, with links to the API's documentation and the health report; for staff, their pages."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        staff = bool(user.is_active and user.is_staff)
        return {**super().get_context_data(**kwargs), "staff": staff, "flower_url": settings.FLOWER_URL}


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the API's JSON, Swagger UI)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
