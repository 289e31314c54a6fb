# Importing the package creates the Celery app, so that `shared_task`s bind to
# it whether Django or the `celery` command starts first.
from styleguide_project.tasks.app.celery import app as celery_app

__all__ = ("celery_app",)
