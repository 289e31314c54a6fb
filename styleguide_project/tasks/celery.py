"""The project's Celery app: `celery -A styleguide_project.tasks worker|beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")

app = Celery("styleguide_project", task_cls="styleguide_project.tasks.base:ProjectTask")

# Every setting lives in Django's settings, in config/settings/celery.py.
app.config_from_object("django.conf:settings", namespace="CELERY")

# Imports `<app>.tasks` for every installed app; each `tasks/__init__.py`
# imports its modules explicitly.
app.autodiscover_tasks()
