"""Log records as one JSON object per line, for a log collector reading stdout."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has, and those the task context filter adds
# (styleguide_project/tasks/app/log_context.py); anything else came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "task_context",
    "task_name",
    "task_id",
}


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "process", "message"}`, plus the exception, the task and any `extra=` fields.

    A record logged inside a Celery task carries the task's name and id, set
    by the task context filter that the console handler applies.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.processName,
            "message": record.getMessage(),
        }
        if getattr(record, "task_id", None):
            entry["task_name"] = getattr(record, "task_name", None)
            entry["task_id"] = getattr(record, "task_id", None)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        # default=str: an `extra=` value that JSON cannot encode is logged as its text, not lost.
        return json.dumps(entry, default=str)
