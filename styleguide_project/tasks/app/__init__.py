"""The Celery app and `ProjectTask`, the project's task class with its one retry policy."""

from styleguide_project.tasks.app.base import ProjectTask, RunGuard, TaskSerializationError
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.app.current import running_task
from styleguide_project.tasks.app.failures import mail_on_failure
from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client
from styleguide_project.tasks.app.retry import DATABASE_ERRORS, task_retry_countdown

__all__ = (
    "DATABASE_ERRORS",
    "ProjectTask",
    "RedisPurpose",
    "RunGuard",
    "TaskSerializationError",
    "celery_app",
    "mail_on_failure",
    "redis_client",
    "running_task",
    "task_retry_countdown",
)
