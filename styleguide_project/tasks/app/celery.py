"""The project's Celery app: `celery -A styleguide_project.tasks worker|beat`."""

import os
from logging.config import dictConfig
from typing import Any

import django
from celery import Celery
from celery.signals import setup_logging

# Imported first, config.env reads `.env` as the settings do: its
# DJANGO_SETTINGS_MODULE wins over the local default below.
import config.env  # noqa: F401
from config.checks import settings_load_or_exit
from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.queues import QueuesDeclare
from styleguide_project.tasks.app.transport import transport_register

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")
# A refused configuration is one message listing every variable to fix, not a traceback.
settings_load_or_exit()

# `redis://` broker URLs use kombu's Redis transport with the project's fixes
# (see the module), in every process that uses this app, before any connection.
transport_register()

app: Celery = Celery("styleguide_project", task_cls=ProjectTask)

# Every setting lives in Django's settings, in config/settings/celery.py.
app.config_from_object("django.conf:settings", namespace="CELERY")

# On RabbitMQ, every project queue is declared before the worker consumes (see the step).
app.steps["worker"].add(QueuesDeclare)

# Imports `<app>.tasks` for every installed app; each `tasks/__init__.py`
# imports its modules explicitly.
app.autodiscover_tasks()


@app.on_after_configure.connect
def django_setup_outside_django(**kwargs: Any) -> None:
    """Load Django's apps when the `celery` command, not Django, uses the app first.

    The worker and beat commands do this themselves (Celery's Django fixup), but
    `celery call`, `inspect`, `purge`, `result` and the like do not, and the
    result backend (django-celery-results) imports models as soon as one is
    used: Django's "Apps aren't loaded yet". Celery reads its configuration the
    first time the app is used, which in a Django process is after set-up (and
    during it, while `apps.loading`, nothing must be done).
    """
    from django.apps import apps

    if not apps.ready and not apps.loading:
        django.setup()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """Log with Django's LOGGING (config/settings/logging.py) in the worker and beat too.

    With a receiver on this signal Celery leaves logging alone, so workers and
    beat log in the same format (JSON in production), to the same stream and
    with the same task context filter as the web process.
    """
    from django.conf import settings

    dictConfig(settings.LOGGING)
