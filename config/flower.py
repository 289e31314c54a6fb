"""Flower's configuration file: `celery flower --conf=config/flower.py` (docker/start-flower).

Flower (tornado) runs this file and reads its options from it; every option
of ours comes from FLOWER_* variables instead. What it does here: put Flower's
Prometheus `/metrics` behind the same password as every other page.

Flower exempts /metrics from its authentication and has no option to change
that (mher/flower#1342). Its series name every task and worker and count
their runs, so here the handler is wrapped in tornado's `authenticated`, the
decorator Flower puts on its other pages: with FLOWER_BASIC_AUTH set, /metrics
answers 401 without the credentials. /healthcheck stays open; it says only
"OK". config/tests/test_upstream_workarounds.py fails once Flower protects
/metrics itself, and this file can go.

Names here start with an underscore: tornado would take a top-level name that
matches one of Flower's options as that option.
"""

import tornado.web as _web
from flower.views.monitor import Metrics as _Metrics

if not getattr(_Metrics.get, "_styleguide_authenticated", False):
    _get = _web.authenticated(_Metrics.get)
    _get._styleguide_authenticated = True  # type: ignore[attr-defined]
    _Metrics.get = _get
