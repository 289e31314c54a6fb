"""`GET /metrics`: the Prometheus exposition of the background work (docs/operations.md)."""

from config.env import env

# The bearer token Prometheus sends (its `authorization` scrape setting). Unset
# or empty: /metrics answers 404, as if it did not exist. Compared in constant time.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# How long one scrape may wait on the broker (queue lengths and ages) and on
# each database query: a dead broker or a slow database gives a partial
# answer with styleguide_scrape_part_up{part=...} 0, never a hung web worker.
METRICS_TIMEOUT_SECONDS = env.float("METRICS_TIMEOUT_SECONDS", default=1.0)

# The exposition is computed at most once per this many seconds and kept in
# Django's cache (shared by the web processes): any number of scrapers read the
# database and the broker once per period, and an older kept answer is served
# while one process computes the next in the background
# (styleguide_project/metrics/exposition.py). The computation runs inside a web
# worker, beside its requests, so it is kept rare: values a few seconds old are
# fresh enough for a Prometheus that scrapes every 15 s. 0: every scrape computes it.
METRICS_CACHE_SECONDS = env.float("METRICS_CACHE_SECONDS", default=5.0)
