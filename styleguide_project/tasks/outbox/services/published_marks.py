"""Marks of published outbox runs, written in batches by a thread of each process, off the request's path.

After the commit the fast path publishes a request's runs at once
(`enqueue.py`). Marking their rows published only spares the relay a second
publish `OUTBOX_RELAY_AFTER_SECONDS` later, and a run published twice still
runs once (`outbox.py`). So the mark need not cost the request a round trip
and a commit: each process keeps the ids it published, and a thread of its
own writes them in one UPDATE every `OUTBOX_MARK_BATCH_SECONDS`. A process
that dies before its thread writes them costs those runs a second publish,
never a lost or a twice-run one.
"""

import atexit
import logging
import os
import threading
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from styleguide_project.tasks.outbox.models import OutboxRun

logger = logging.getLogger(__name__)


def outbox_runs_mark_published(*, task_ids: Sequence[str]) -> None:
    """Mark these runs published; a database error only means the relay may publish them once more."""
    if not task_ids:
        return
    try:
        OutboxRun.objects.filter(task_id__in=task_ids, published_at__isnull=True).update(published_at=timezone.now())
    except Exception:
        logger.exception("Could not mark %d published runs; the relay may publish them again", len(task_ids))


class PublishedMarks:
    """This process's published runs not yet marked, and the thread that marks them."""

    def __init__(self) -> None:
        self._reset()
        # A fork (gunicorn's workers, Celery's pool) copies the ids and the
        # locks but not the thread: the child starts empty, with its own.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: list[str] = []
        self._thread: threading.Thread | None = None

    def add(self, task_ids: Sequence[str]) -> None:
        """Have these runs marked published within `OUTBOX_MARK_BATCH_SECONDS`."""
        if not task_ids:
            return
        with self._lock:
            self._pending.extend(task_ids)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outbox-published-marks", daemon=True)
                self._thread.start()
        self._wake.set()

    def flush(self) -> int:
        """Mark what is pending now, in this thread; returns how many runs."""
        with self._lock:
            task_ids, self._pending = self._pending, []
        outbox_runs_mark_published(task_ids=task_ids)
        return len(task_ids)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            # The ids of the requests that come meanwhile join this batch.
            time.sleep(settings.OUTBOX_MARK_BATCH_SECONDS)
            # This thread's own connection, kept like a request's (CONN_MAX_AGE)
            # while runs keep coming, and closed when none came meanwhile: an
            # idle process holds no connection for it.
            close_old_connections()
            self.flush()
            if not self._wake.is_set():
                connection.close()


published_marks = PublishedMarks()
# A process that ends normally writes what it still holds.
atexit.register(published_marks.flush)
