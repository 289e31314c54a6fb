from celery import shared_task

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.retry import DATABASE_ERRORS


# No failure handler: the run is one transaction (look the account up, create
# and queue its email), so a failed run leaves nothing half-done, and the
# email's own delivery has its failure handler. Nobody reads the result: the
# request that asked answered before it ran, and must not learn what it found.
@shared_task(
    base=ProjectTask,
    name="users.user_password_reset_send",
    autoretry_for=DATABASE_ERRORS,
    needs_failure_handler=False,
    ignore_result=True,
)
def user_password_reset_send(*, email: str, site_url: str) -> None:
    """Email a password reset link to the account with this address, if there is one."""
    from styleguide_project.users.services import user_password_reset_send

    user_password_reset_send(email=email, site_url=site_url)
