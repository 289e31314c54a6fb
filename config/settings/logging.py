"""Logging to stdout for every process (web, worker, beat), with the level and format from the environment.

`plain` is one readable line per record; `json` is one JSON object per line
for a log collector (production's default). Celery's worker and beat use this
configuration too (`styleguide_project/tasks/app/celery.py`), so one setting
decides the format of every process.
"""

from typing import Any

from config.env import env, env_choice

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env_choice("LOG_FORMAT", choices=("plain", "json"), default="plain")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Adds the running task's name and id to every record.
        "task_context": {"()": "styleguide_project.tasks.app.log_context.TaskContextFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(processName)s %(name)s%(task_context)s: %(message)s"},
        "json": {"()": "styleguide_project.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["task_context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default console handler (active when DEBUG is on) would
        # print every django.* record a second time, next to the root's.
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}
