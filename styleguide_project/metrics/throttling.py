from typing import Any

from rest_framework.request import Request
from rest_framework.views import APIView

from styleguide_project.api.throttling import FixedWindowRateThrottle, client_address_key


class MetricsRateThrottle(FixedWindowRateThrottle):
    """Scrapes per client address (`THROTTLE_METRICS_RATE`), counted before the token is checked: guesses count too."""

    scope = "metrics"

    def get_cache_key(self, request: Request, view: APIView) -> Any:
        return client_address_key(request)
