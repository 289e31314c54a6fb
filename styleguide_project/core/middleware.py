"""Every error under /api/ in the API's error shape, in every setting."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.response import Response

from styleguide_project.core.error_views import NOT_FOUND, SERVER_ERROR, is_api

MESSAGES = {404: NOT_FOUND, 500: SERVER_ERROR}


class ApiErrorsAsJsonMiddleware:
    """An error response under /api/ that is not JSON becomes `{"message", "extra"}` with the same status.

    API views answer their own errors through DRF's exception handler. The
    rest come from Django itself: a URL that matches no pattern, a crash
    outside a view, a rejected Host header. Without DEBUG, handler404 and
    handler500 answer JSON already; with DEBUG, Django's debug pages would
    (the traceback is still logged, and Sentry still sees the exception).
    Placed inside CorsMiddleware, so the JSON answer carries CORS headers too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api(request)
            # DRF's own answers: JSON, or its browsable page for a browser that asked for HTML.
            or isinstance(response, Response)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        message = MESSAGES.get(response.status_code, f"{response.reason_phrase}.")
        answer = JsonResponse({"message": message, "extra": {}}, status=response.status_code)
        if response.has_header("Retry-After"):
            answer["Retry-After"] = response["Retry-After"]
        return answer
