"""gunicorn for the benchmarks: the product's own config/gunicorn.py, plus two bench-only hooks.

`gunicorn --config bench/gunicorn_conf.py --bind ... config.wsgi:application`.
Everything the web service sets (workers from WEB_CONCURRENCY, timeouts,
JSON access log) comes from the product's file, so the server measured is the
one that ships. What this file adds never reaches the product:

- `BENCH_ENQUEUE_OFF=1` switches the publish of tasks off, to measure what
  enqueueing adds to a request: the rest of the path (the Email row, the
  on-commit callback) still runs.
- `BENCH_OUTBOX_ROWS_OFF=1` enqueues without the outbox's row
  (`bench/outbox_off.py`), to measure what the row adds to a request.
- Each worker logs `BENCH_READY_MARK` once its application is loaded, so the
  bench knows when the server can take load (gunicorn's own "Booting worker"
  comes before Django is set up).
"""

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from config.gunicorn import *  # noqa: F403

if TYPE_CHECKING:
    # Only for the annotation: the master process, which reads this file,
    # imports no more than the product's config does before it forks.
    from celery import Task

BENCH_READY_MARK = "bench-worker-ready"


def _publish_off(*, task: "Task", runs: Sequence[tuple[str, dict[str, Any]]], queue: str | None = None) -> int:
    # Same signature as the real `task_outbox_publish`; publishes nothing.
    return 0


def post_worker_init(worker: Any) -> None:
    """Runs in each worker after it loaded the WSGI application (Django is set up)."""
    enqueue_off = os.environ.get("BENCH_ENQUEUE_OFF") == "1"
    if enqueue_off:
        from styleguide_project.tasks.outbox.services import enqueue

        # `task_enqueue_on_commit` looks `task_outbox_publish` up in its module
        # when the transaction commits, so replacing the module global is enough.
        enqueue.task_outbox_publish = _publish_off
    rows_off = os.environ.get("BENCH_OUTBOX_ROWS_OFF") == "1"
    if rows_off:
        from bench.outbox_off import outbox_rows_switch_off

        outbox_rows_switch_off()
    worker.log.info("%s pid=%s enqueue_off=%s outbox_rows_off=%s", BENCH_READY_MARK, os.getpid(), enqueue_off, rows_off)
