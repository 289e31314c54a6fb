"""The text `/metrics` answers: computed by the collector at most once every `METRICS_CACHE_SECONDS`, off the
request path when it can be.

Prometheus scrapes every 15 s or so; several Prometheus servers, a dashboard
or a script polling faster would each pay a full computation (a few
aggregate queries and a broker read), and a web worker computing it is a
worker not serving requests. So the exposition is kept in Django's cache
(Redis, shared by every web process):

- younger than `METRICS_CACHE_SECONDS` (config/settings/metrics.py): it is the answer;
- older, but not more than `METRICS_STALE_SECONDS` (30 s): it is still the
  answer, and one process (a lock in the cache) computes a new one on a
  background thread, so the scrape costs a cache read;
- none, or older than that (the first scrape, a cache that was emptied): the
  scrape computes it itself.

However many scrapers there are, the database and the broker are read once
per `METRICS_CACHE_SECONDS`. A cache that fails is skipped: every scrape computes.
"""

import logging
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from styleguide_project.core.cache import CACHE_ERRORS
from styleguide_project.metrics.collectors import BackgroundWorkCollector

logger = logging.getLogger(__name__)

CACHE_KEY = "styleguide_project:metrics:exposition:{format}"
LOCK_KEY = "styleguide_project:metrics:refresh:{format}"
# A kept answer older than this is not shown: a refresh that keeps failing must not hide behind it.
METRICS_STALE_SECONDS = 30.0

# One registry per process holding only the collector: every value is computed when asked for.
registry = CollectorRegistry(auto_describe=False)
registry.register(BackgroundWorkCollector())

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics-refresh")
_refresh: Future[None] | None = None


def metrics_exposition(*, accept: str) -> tuple[bytes, str]:
    """The exposition in the format `accept` asks for (Prometheus text or OpenMetrics), and its content type."""
    encoder, content_type = choose_encoder(accept)
    max_age = float(settings.METRICS_CACHE_SECONDS)
    if max_age <= 0:
        return encoder(registry), content_type
    # One kept answer per format (Prometheus text, OpenMetrics), named without spaces or semicolons.
    name = re.sub(r"[^a-z0-9.]+", "_", content_type.lower())
    try:
        kept: dict[str, Any] | None = cache.get(CACHE_KEY.format(format=name))
    except CACHE_ERRORS:
        logger.warning("Metrics: the cache is not answering; computing without it", exc_info=True)
        return encoder(registry), content_type
    age = time.time() - kept["computed_at"] if kept is not None else None
    if kept is not None and age is not None and age <= max_age:
        return kept["body"], content_type
    if kept is not None and age is not None and age <= max(METRICS_STALE_SECONDS, 2 * max_age):
        _refresh_start(encoder, name)
        return kept["body"], content_type
    return _compute_and_keep(encoder, name), content_type


def _compute_and_keep(encoder: Any, name: str) -> bytes:
    body: bytes = encoder(registry)
    try:
        timeout = max(METRICS_STALE_SECONDS, 2 * float(settings.METRICS_CACHE_SECONDS))
        cache.set(CACHE_KEY.format(format=name), {"computed_at": time.time(), "body": body}, timeout=timeout)
    except CACHE_ERRORS:
        logger.warning("Metrics: the cache stopped answering; the exposition is not kept", exc_info=True)
    return body


def _refresh_start(encoder: Any, name: str) -> None:
    global _refresh  # one pending refresh per process
    if _refresh is not None and not _refresh.done():
        return
    try:
        # One refresh at a time across every process; the lock lapses on its own if its holder dies.
        if not cache.add(LOCK_KEY.format(format=name), 1, timeout=int(METRICS_STALE_SECONDS)):
            return
    except CACHE_ERRORS:
        return
    _refresh = _executor.submit(_refresh_in_thread, encoder, name)


def _refresh_in_thread(encoder: Any, name: str) -> None:
    try:
        _compute_and_keep(encoder, name)
    except Exception:  # a failed refresh leaves the kept answer to age out
        logger.warning("Metrics: the background refresh failed", exc_info=True)
    finally:
        try:
            cache.delete(LOCK_KEY.format(format=name))
        except CACHE_ERRORS:
            pass  # the lock lapses by its own timeout
        # This thread's own database connection, opened for the refresh: not kept between refreshes.
        connection.close()
