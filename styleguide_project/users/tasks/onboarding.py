from celery import Task, shared_task
from celery.utils.log import get_task_logger

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.failures import mail_on_failure
from styleguide_project.tasks.app.retry import DATABASE_ERRORS
from styleguide_project.tasks.locks.task_lock import one_instance

logger = get_task_logger(__name__)


# No failure handler: the whole run is one transaction, so a failed run leaves
# nothing half-done to undo, and the users it did not remind are still
# candidates for the next run; a lost database connection is retried.
# @mail_on_failure tells support it failed (placed above @one_instance, so
# that a lock that cannot be taken is mailed too).
@shared_task(
    bind=True,
    base=ProjectTask,
    name="users.user_onboarding_reminders_send",
    autoretry_for=DATABASE_ERRORS,
    needs_failure_handler=False,
)
@mail_on_failure
@one_instance
def user_onboarding_reminders_send(self: Task) -> int:
    """Daily: remind the users who registered a while ago and have not completed onboarding."""
    from styleguide_project.users.services import user_onboarding_reminders_send

    reminded = user_onboarding_reminders_send()
    logger.info("Queued %d onboarding reminders.", reminded)
    return reminded
