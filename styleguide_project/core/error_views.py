"""Django's 404 and 500 views: JSON in the API's error shape under /api/, Django's pages elsewhere.

DRF's exception handler only sees errors raised inside an API view. A URL
under /api/ that matches no pattern (`/api/emails/abc/`) or an error in a
middleware never reaches it, and would get an HTML page.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"message": "Not found.", "extra": {}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"message": "Internal server error", "extra": {}}, status=500)
    return defaults.server_error(request)
