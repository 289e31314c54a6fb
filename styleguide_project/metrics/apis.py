"""`GET /metrics`: the background work in Prometheus's text format, for a scraper holding METRICS_TOKEN."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from styleguide_project.metrics.exposition import metrics_exposition
from styleguide_project.metrics.throttling import MetricsRateThrottle


class MetricsApi(APIView):
    """The exposition Prometheus scrapes (docs/operations.md lists every metric).

    Answers 404 when METRICS_TOKEN is not set, as if it did not exist; 401
    without a bearer token and 403 with a wrong one, in the API's error shape.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [MetricsRateThrottle]

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        # Before the throttle: a site without metrics does not even count requests for them.
        if not settings.METRICS_TOKEN:
            raise Http404
        super().initial(request, *args, **kwargs)

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing token a 401 with WWW-Authenticate, as RFC 6750 has it, rather than DRF's 403.
        return 'Bearer realm="metrics"'

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise exceptions.NotAuthenticated("Send the metrics token as 'Authorization: Bearer <token>'.")
        if not hmac.compare_digest(token.strip().encode(), settings.METRICS_TOKEN.encode()):
            raise exceptions.PermissionDenied("The metrics token is not valid.")
        body, content_type = metrics_exposition(accept=request.headers.get("Accept", ""))
        return HttpResponse(body, content_type=content_type)
