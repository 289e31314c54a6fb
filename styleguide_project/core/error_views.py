"""Django's 404 and 500 views: JSON in the API's error shape under /api/, Django's pages elsewhere.

DRF's exception handler only sees errors raised inside an API view. A URL
under /api/ that matches no pattern (`/api/emails/abc/`) or an error in a
middleware never reaches it, and would get an HTML page. With DEBUG on,
Django answers with its debug pages instead of calling these views;
`ApiErrorsAsJsonMiddleware` (core/middleware.py) covers that case.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

NOT_FOUND = "Not found."
SERVER_ERROR = "Internal server error"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"message": NOT_FOUND, "extra": {}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"message": SERVER_ERROR, "extra": {}}, status=500)
    return defaults.server_error(request)
