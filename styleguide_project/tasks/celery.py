"""The project's Celery app: `celery -A styleguide_project.tasks worker|beat`."""

import os
from logging.config import dictConfig
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
def _logging_from_django_settings(**kwargs: Any) -> None:
    # With a receiver on this signal Celery leaves logging alone: workers and
    # beat log with Django's LOGGING (config/settings/logging.py), in the same
    # format and to the same stream as the web process, JSON in production.
    from django.conf import settings

    dictConfig(settings.LOGGING)
