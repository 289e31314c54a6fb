"""The text `/metrics` answers, computed by the collector at most once every `METRICS_CACHE_SECONDS`.

Prometheus scrapes every 15 s or so; several Prometheus servers, a dashboard
or a script polling faster would each pay a full computation (a few
aggregate queries and a broker read). The exposition is therefore kept in
Django's cache (Redis, shared by every web process) for a second by default:
however many scrapers there are, the database and the broker are read about
once a second, and a scrape is a cache read. A cache that fails is skipped.
"""

import logging
import re

from django.conf import settings
from django.core.cache import cache
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from styleguide_project.core.cache import CACHE_ERRORS
from styleguide_project.metrics.collectors import BackgroundWorkCollector

logger = logging.getLogger(__name__)

CACHE_KEY = "styleguide_project:metrics:exposition:{format}"

# One registry per process holding only the collector: every value is computed when scraped.
registry = CollectorRegistry(auto_describe=False)
registry.register(BackgroundWorkCollector())


def metrics_exposition(*, accept: str) -> tuple[bytes, str]:
    """The exposition in the format `accept` asks for (Prometheus text or OpenMetrics), and its content type."""
    encoder, content_type = choose_encoder(accept)
    max_age = float(settings.METRICS_CACHE_SECONDS)
    # One kept answer per format (Prometheus text, OpenMetrics), named without spaces or semicolons.
    key = CACHE_KEY.format(format=re.sub(r"[^a-z0-9.]+", "_", content_type.lower()))
    if max_age > 0:
        try:
            cached = cache.get(key)
        except CACHE_ERRORS:
            logger.warning("Metrics: the cache is not answering; computing without it", exc_info=True)
            return encoder(registry), content_type
        if cached is not None:
            return cached, content_type
    body: bytes = encoder(registry)
    if max_age > 0:
        try:
            cache.set(key, body, timeout=max_age)
        except CACHE_ERRORS:
            logger.warning("Metrics: the cache stopped answering; the exposition is not kept", exc_info=True)
    return body, content_type
