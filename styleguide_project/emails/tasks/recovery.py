from datetime import timedelta

from celery import shared_task
from celery.utils.log import get_task_logger
from django.conf import settings

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.locks.task_lock import one_instance
from styleguide_project.tasks.observation.selectors import task_queue_waiting

logger = get_task_logger(__name__)


# Re-enqueueing is the whole effect and a failed run changes nothing: the
# next run retries the same rows. one_instance: two runs never overlap.
@shared_task(base=ProjectTask, name="emails.email_recover_stranded", needs_failure_handler=False, ignore_result=True)
@one_instance(timeout=300)
def email_recover_stranded() -> int:
    from styleguide_project.emails.services.recovery import email_recover_stranded
    from styleguide_project.emails.tasks.sending import email_send_batch

    # Emails that look stranded while deliveries wait in the queue may only be
    # queued behind them: enqueueing them again would add load exactly when
    # the workers are behind. Lost publishes are the outbox relay's; what is
    # left here (a worker killed with its message, Redis losing a queue) waits
    # for the queue to drain.
    waiting = task_queue_waiting(task=email_send_batch)
    if waiting is None or waiting > 0:
        logger.info("Recovery skipped: %s deliveries wait in the queue (None: the broker cannot tell)", waiting)
        return 0
    ids = email_recover_stranded(
        stranded_after=timedelta(seconds=settings.EMAIL_STRANDED_AFTER_SECONDS),
        limit=settings.EMAIL_RECOVERY_BATCH_SIZE,
    )
    if ids:
        logger.warning("Re-enqueued %d stranded emails: %s", len(ids), ids[:50])
    return len(ids)
