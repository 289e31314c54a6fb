"""Flower's configuration file: `celery flower --conf=config/flower.py` (docker/start-flower).

Flower (tornado) runs this file and reads its options from it; every option
of ours comes from FLOWER_* variables instead. What it does here: put Flower's
Prometheus `/metrics` behind the same password as every other page, and ask
the workers what they consume every few seconds.

Flower exempts /metrics from its authentication and has no option to change
that (mher/flower#1342). Its series name every task and worker and count
their runs, so here the handler is wrapped in tornado's `authenticated`, the
decorator Flower puts on its other pages: with FLOWER_BASIC_AUTH set, /metrics
answers 401 without the credentials. /healthcheck stays open; it says only
"OK". config/tests/test_upstream_workarounds.py fails once Flower protects
/metrics itself, and this file can go.

Flower asks the workers which queues they consume (what `/api/queues/length`
and the Broker page count) only when it starts and when its worker list is
refreshed by hand, and has no option to ask again by itself: a worker started
after Flower (a stack started at once, a pool scaled out) went uncounted. So
`Flower.start` is wrapped to also call Flower's own `update_workers` every
`_WORKERS_REFRESH_SECONDS`, as the Workers page's refresh button does.

Names here start with an underscore: tornado would take a top-level name that
matches one of Flower's options as that option.
"""

import tornado.web as _web
from flower.views.monitor import Metrics as _Metrics

if not getattr(_Metrics.get, "_styleguide_authenticated", False):
    _get = _web.authenticated(_Metrics.get)
    _get._styleguide_authenticated = True  # type: ignore[attr-defined]
    _Metrics.get = _get

import tornado.ioloop as _ioloop
from flower.app import Flower as _Flower

_WORKERS_REFRESH_SECONDS = 10

if not getattr(_Flower.start, "_styleguide_refreshes", False):
    _flower_start = _Flower.start

    def _start_and_refresh_workers(self: _Flower) -> None:
        # Flower's `update_workers` runs one inspection at a time; a tick during one joins it.
        _ioloop.PeriodicCallback(self.update_workers, _WORKERS_REFRESH_SECONDS * 1000).start()
        _flower_start(self)

    _start_and_refresh_workers._styleguide_refreshes = True  # type: ignore[attr-defined]
    _Flower.start = _start_and_refresh_workers
