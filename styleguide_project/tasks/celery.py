"""The project's Celery app: `celery -A styleguide_project.tasks worker|beat`."""

import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")

app = Celery("styleguide_project", task_cls="styleguide_project.tasks.base:ProjectTask")

# Every setting lives in Django's settings, in config/settings/celery.py.
app.config_from_object("django.conf:settings", namespace="CELERY")

# Imports `<app>.tasks` for every installed app; each `tasks/__init__.py`
# imports its modules explicitly.
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """Leave logging to Django's LOGGING (config/settings/logging.py), already applied by django.setup().

    Without a receiver for this signal, Celery installs its own handlers and
    formats in the worker, so task lines would not carry the project's format
    and task context filter.
    """
