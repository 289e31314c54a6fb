"""The transactional outbox of task runs (styleguide_project/tasks/outbox/services/runs.py, docs/reliability.md)."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env
from config.settings.celery import CELERY_TASK_TIME_LIMIT

# Runs younger than this are the fast path's to publish (right after the
# commit); the relay leaves them alone so that both do not publish one run.
OUTBOX_RELAY_AFTER_SECONDS = env.int("OUTBOX_RELAY_AFTER_SECONDS", default=10)
# The fast path's marks of published runs are written by a thread of each
# process, in one UPDATE per this many seconds, instead of in the request
# (tasks/outbox/services/published_marks.py); 0 writes each in the request. Well
# below the wait above, or the relay would publish runs a second time.
OUTBOX_MARK_BATCH_SECONDS = env.float("OUTBOX_MARK_BATCH_SECONDS", default=0.2)
if not 0 <= OUTBOX_MARK_BATCH_SECONDS <= OUTBOX_RELAY_AFTER_SECONDS / 4:
    raise ImproperlyConfigured(
        f"OUTBOX_MARK_BATCH_SECONDS must be from 0 to a quarter of OUTBOX_RELAY_AFTER_SECONDS "
        f"({OUTBOX_RELAY_AFTER_SECONDS / 4:g}), not {OUTBOX_MARK_BATCH_SECONDS:g}."
    )
# How often each worker's relay looks for runs to publish; with the default
# wait above, a stranded run is published within about 20 s of the broker
# answering again.
OUTBOX_RELAY_INTERVAL_SECONDS = env.float("OUTBOX_RELAY_INTERVAL_SECONDS", default=10.0)
# Runs published per relay transaction, and transactions per pass: a pass is
# bounded, and a backlog drains over the next passes.
OUTBOX_RELAY_BATCH_SIZE = env.int("OUTBOX_RELAY_BATCH_SIZE", default=500)
OUTBOX_RELAY_MAX_BATCHES = env.int("OUTBOX_RELAY_MAX_BATCHES", default=20)
# A run that started this long ago and neither finished nor failed was killed
# with its worker (a hard time limit ends any run before then): its lease
# lapses, a redelivered copy may run it, and the relay publishes it again.
OUTBOX_RUN_LEASE_SECONDS = env.int("OUTBOX_RUN_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
# A run the broker took and then lost (a Redis restart without persistence, a
# worker killed with the message it had reserved) is published again by the
# relay once it has been due this long without starting, while its queue has
# nothing waiting; a retry is due when its countdown ends.
OUTBOX_LOST_AFTER_SECONDS = env.int("OUTBOX_LOST_AFTER_SECONDS", default=120)
# Finished runs are kept this long (to recognise a late duplicate), then deleted.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=7)
# The fast path's one attempt to publish after the commit: the longest a
# request waits for each step (connect, send, the broker's confirm) when the
# broker does not answer. What it could not publish, the relay publishes.
OUTBOX_FAST_PATH_TIMEOUT_SECONDS = env.float("OUTBOX_FAST_PATH_TIMEOUT_SECONDS", default=0.5)
