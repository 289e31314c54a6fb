"""The site's own pages: what this is, at `/`, and its icon."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.generic import TemplateView


class HomeView(TemplateView):
    """What this site is, with links to the API's documentation, the admin and the health report."""

    template_name = "core/home.html"


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the API's JSON, Swagger UI)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
