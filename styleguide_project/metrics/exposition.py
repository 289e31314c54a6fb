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
- none, or older than that (the first scrape, a cache that was emptied): one
  scrape computes it, and the others wait for its answer.

However many scrapers there are, the database and the broker are read once
per `METRICS_CACHE_SECONDS` (`common/cached_report.py`). A cache that fails is
skipped: every scrape computes.
"""

import functools
import re

from django.conf import settings
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from styleguide_project.common.cached_report import CachedReport, OneThread, ReportPolicy
from styleguide_project.metrics.collectors import BackgroundWorkCollector

CACHE_KEY = "styleguide_project:metrics:exposition:{format}"
LOCK_KEY = "styleguide_project:metrics:refresh:{format}"
# A kept answer older than this is not shown: a refresh that keeps failing must not hide behind it.
METRICS_STALE_SECONDS = 30.0

# One registry per process holding only the collector: every value is computed when asked for.
registry = CollectorRegistry(auto_describe=False)
registry.register(BackgroundWorkCollector())

# One refresh at a time in this process, whichever the format.
_refreshes = OneThread(name="metrics-refresh")
_expositions: dict[str, CachedReport[bytes]] = {}


def metrics_exposition(*, accept: str) -> tuple[bytes, str]:
    """The exposition in the format `accept` asks for (Prometheus text or OpenMetrics), and its content type."""
    encoder, content_type = choose_encoder(accept)
    # One kept answer per format (Prometheus text, OpenMetrics), named without spaces or semicolons.
    name = re.sub(r"[^a-z0-9.]+", "_", content_type.lower())
    exposition = _expositions.get(name)
    if exposition is None:
        exposition = _expositions.setdefault(
            name,
            CachedReport(
                name="Metrics",
                key=CACHE_KEY.format(format=name),
                lock_key=LOCK_KEY.format(format=name),
                compute=functools.partial(encoder, registry),
                runner=_refreshes,
                stored_as=("computed_at", "body"),
            ),
        )
    return exposition.get(policy=metrics_exposition_policy()), content_type


def metrics_exposition_policy() -> ReportPolicy:
    max_age = float(settings.METRICS_CACHE_SECONDS)
    kept_for = max(METRICS_STALE_SECONDS, 2 * max_age)
    return ReportPolicy(
        fresh_for=max_age,
        usable_for=kept_for,
        keep_for=kept_for,
        # The lock lapses on its own if its holder dies.
        lock_for=METRICS_STALE_SECONDS,
        # A scrape is bounded by METRICS_TIMEOUT_SECONDS on each part; a scrape that waits longer for another's
        # answer computes its own.
        wait_for=2 * float(settings.METRICS_TIMEOUT_SECONDS) + 1,
        background=True,
    )
