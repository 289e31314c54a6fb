from celery import Task, shared_task
from celery.utils.log import get_task_logger

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.failures import mail_on_failure
from styleguide_project.tasks.app.retry import DATABASE_ERRORS
from styleguide_project.tasks.locks.task_lock import one_instance

logger = get_task_logger(__name__)


# No failure handler: each batch is one transaction, so a failed run leaves
# no account half-deleted, and the accounts it did not reach are still
# candidates for the next run; a lost database connection is retried.
@shared_task(
    bind=True,
    base=ProjectTask,
    name="users.user_unverified_delete_expired",
    autoretry_for=DATABASE_ERRORS,
    needs_failure_handler=False,
)
@mail_on_failure
@one_instance
def user_unverified_delete_expired(self: Task) -> int:
    """Daily: delete the accounts whose address was never verified, long after the reminder."""
    from styleguide_project.users.services import user_unverified_delete_expired

    deleted = user_unverified_delete_expired()
    logger.info("Deleted %d accounts left unverified.", deleted)
    return deleted
