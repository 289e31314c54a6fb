"""The outbox relay that runs inside every worker (`celery worker`), in a thread of its main process.

Beat may be down when the broker comes back, so the relay does not depend on
it: each worker runs one, and several at once share the work through row
locks (`SKIP LOCKED`). A pass publishes at most OUTBOX_RELAY_MAX_BATCHES
batches; the thread sleeps OUTBOX_RELAY_INTERVAL_SECONDS between passes, and
stops with the worker. `manage.py task_outbox_relay` runs the same pass by hand.
"""

import logging
import threading
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, connection

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.services.runs import task_outbox_relay

logger = logging.getLogger(__name__)


class OutboxRelayThread(threading.Thread):
    def __init__(self, app: Celery, interval: float) -> None:
        super().__init__(name="outbox-relay", daemon=True)
        self.app = app
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        logger.info("Outbox relay started (every %.0fs)", self.interval)
        while not self.stopping.wait(self.interval):
            try:
                close_old_connections()
                task_outbox_relay(app=self.app)
            except Exception:
                # The database may be down; the next pass tries again.
                logger.exception("Outbox relay pass failed")
            finally:
                connection.close()

    def stop(self) -> None:
        self.stopping.set()


_relay: OutboxRelayThread | None = None


@worker_ready.connect(dispatch_uid="styleguide_project.tasks.outbox.relay.start")
def start_outbox_relay(sender: Any = None, **kwargs: Any) -> None:
    global _relay
    interval = float(settings.OUTBOX_RELAY_INTERVAL_SECONDS)
    if interval <= 0 or _relay is not None:
        return
    _relay = OutboxRelayThread(celery_app, interval)
    _relay.start()


@worker_shutdown.connect(dispatch_uid="styleguide_project.tasks.outbox.relay.stop")
def stop_outbox_relay(**kwargs: Any) -> None:
    if _relay is not None:
        _relay.stop()
